/**
 * Webhook payloads as OpenPhone publishes them: the legacy v3 samples (Pipedream's test events
 * of real deliveries, ids anonymised upstream) and a v4 message, plus 2026-03-30 shapes after
 * Quo's event-payload reference.
 */
export const LEGACY_CALL_COMPLETED_WITH_VOICEMAIL = {
  apiVersion: "v3",
  createdAt: "2022-01-24T19:22:25.427Z",
  data: {
    object: {
      answeredAt: null,
      completedAt: "2022-01-24T19:22:19.000Z",
      conversationId: "CN78ba0373683c48fd8fd96bc836c51f79",
      createdAt: "2022-01-24T19:21:59.545Z",
      direction: "incoming",
      from: "+18005550100",
      media: [],
      object: "call",
      phoneNumberId: "PNtoDbDhuz",
      status: "completed",
      to: "+18885550101",
      userId: "USu5AsEHuQ",
      voicemail: {
        duration: 7,
        type: "audio/mpeg",
        url: "https://m.openph.one/static/15ad4740be6048e4a80efb268d347482.mp3",
      },
    },
  },
  id: "EVd39d3c8d6f244d21a9131de4fc9350d0",
  object: "event",
  type: "call.completed",
};

export const LEGACY_RECORDING_COMPLETED = {
  apiVersion: "v3",
  createdAt: "2022-01-24T19:30:55.400Z",
  data: {
    object: {
      answeredAt: "2022-01-24T19:30:38.000Z",
      completedAt: "2022-01-24T19:30:48.000Z",
      conversationId: "CN78ba0373683c48fd8fd96bc836c51f79",
      createdAt: "2022-01-24T19:30:34.675Z",
      direction: "incoming",
      from: "+18005550100",
      media: [{
        duration: 7,
        type: "audio/mpeg",
        url: "https://storage.googleapis.com/opstatics-dev/a5f839bc72a24b33a7fc032f78777146.mp3",
      }],
      object: "call",
      phoneNumberId: "PNtoDbDhuz",
      status: "completed",
      to: "+18885550101",
      userId: "USu5AsEHuQ",
      voicemail: null,
    },
  },
  id: "EVda6e196255814311aaac1983005fa2d9",
  object: "event",
  type: "call.recording.completed",
};

export const LEGACY_MESSAGE_RECEIVED = {
  id: "EVmsg0000000000000000000000000001",
  object: "event",
  apiVersion: "v4",
  createdAt: "2025-04-10T21:41:01.247Z",
  type: "message.received",
  data: {
    object: {
      id: "ACmsg000001",
      object: "message",
      from: "+18005550100",
      to: "+18885550101",
      direction: "incoming",
      text: "test",
      status: "received",
      createdAt: "2025-04-10T21:41:00.983Z",
      userId: "USu5AsEHuQ",
      phoneNumberId: "PNtoDbDhuz",
    },
  },
};

const CONTEXT_2026 = {
  contacts: { ids: [], lookupStatus: "none" },
  conversationId: "CN2026conv",
  participants: {
    external: ["+18005550100"],
    resolution: "available",
    workspace: ["+18885550101"],
  },
  phoneNumberId: "PN2026",
  phoneNumberType: "personal",
  userId: "US2026",
};

export const V2026_CALL_COMPLETED = {
  id: "EV2026completed",
  apiVersion: "2026-03-30",
  createdAt: "2026-03-04T14:10:01.000Z",
  type: "call.completed",
  data: {
    resource: {
      answeredAt: "2026-03-04T14:00:05.000Z",
      completedAt: "2026-03-04T14:10:00.000Z",
      createdAt: "2026-03-04T14:00:00.000Z",
      direction: "incoming",
      duration: 595,
      hasVoicemail: false,
      id: "AC2026call",
      status: "answered",
      updatedAt: "2026-03-04T14:10:00.000Z",
    },
    context: CONTEXT_2026,
    links: { quo: "https://my.quo.com/inbox/PN2026/c/CN2026conv?at=AC2026call" },
  },
};

export const V2026_RECORDING_COMPLETED = {
  id: "EV2026recording",
  apiVersion: "2026-03-30",
  createdAt: "2026-03-04T14:11:00.000Z",
  type: "call.recording.completed",
  data: {
    resource: {
      ...V2026_CALL_COMPLETED.data.resource,
      recordings: [{
        duration: 595,
        id: "CR2026",
        startTime: "2026-03-04T14:00:05.000Z",
        type: "audio/mpeg",
        url: "https://media.example/CR2026.mp3",
      }],
    },
    context: CONTEXT_2026,
    links: { quo: null },
  },
};

export const V2026_SUMMARY_COMPLETED = {
  id: "EV2026summary",
  apiVersion: "2026-03-30",
  createdAt: "2026-03-04T14:12:00.000Z",
  type: "call.summary.completed",
  data: {
    resource: {
      callId: "AC2026call",
      nextSteps: ["Send the invoice"],
      processingStatus: "completed",
      summary: ["Customer asked to move the installation"],
    },
    context: CONTEXT_2026,
    links: { quo: null },
  },
};

export const V2026_TRANSCRIPT_COMPLETED = {
  id: "EV2026transcript",
  apiVersion: "2026-03-30",
  createdAt: "2026-03-04T14:12:30.000Z",
  type: "call.transcript.completed",
  data: {
    resource: {
      callId: "AC2026call",
      createdAt: "2026-03-04T14:12:30.000Z",
      dialogue: [{
        content: "Hello",
        start: 0.5,
        end: 1.2,
        identifier: "+18005550100",
        userId: null,
      }],
      duration: 595,
      processingStatus: "completed",
    },
    context: CONTEXT_2026,
    links: { quo: null },
  },
};

export const V2026_MESSAGE_RECEIVED = {
  id: "EV2026message",
  apiVersion: "2026-03-30",
  createdAt: "2026-03-04T15:00:00.500Z",
  type: "message.received",
  data: {
    resource: {
      createdAt: "2026-03-04T15:00:00.000Z",
      direction: "incoming",
      errorCode: null,
      id: "AC2026msg",
      media: [],
      status: "received",
      text: "Running 10 minutes late",
    },
    context: {
      contacts: { ids: [], lookupStatus: "none" },
      conversationId: "CN2026conv",
      phoneNumberId: "PN2026",
      phoneNumberType: "personal",
      recipientIdentifiers: ["+18885550101"],
      senderIdentifier: "+18005550100",
      userId: "US2026",
    },
    links: { quo: null },
  },
};
