/**
 * Speech models and languages the fake accepts, and how it picks `speech_model_used`.
 *
 * Model ids as of late 2026 (docs "Model selection", "Speech model versions and deprecations",
 * the assemblyai-stt-3-7 migration guide): `assemblyai-stt-3-7`, `universal-3-5-pro`,
 * `universal-3-pro`, `universal-2`, and `universal`, an alias upgraded to Universal-3.5 Pro.
 * `nano` is no longer accepted; `best`/`slam-1` only ever went through the deprecated singular
 * `speech_model`, which the API now rejects.
 */
export const SPEECH_MODEL_IDS = [
  "assemblyai-stt-3-7",
  "universal-3-5-pro",
  "universal-3-pro",
  "universal-2",
  "universal",
] as const;

/** What a request without `speech_models` gets when they are optional (live capture, 2026-09). */
export const DEFAULT_SPEECH_MODELS = ["universal-3-5-pro", "universal-2"];

const ALIASES: Record<string, string> = { universal: "universal-3-5-pro" };

/**
 * Universal-3 Pro covers six languages; anything else falls through to the next model in the
 * list (the documented `["universal-3-pro", "universal-2"]` pattern). The other models are not
 * restricted here: their language lists are longer than anything the sandbox scripts use.
 */
const MODEL_LANGUAGES: Record<string, readonly string[]> = {
  "universal-3-pro": ["en", "es", "de", "fr", "pt", "it"],
};

export function speechModelUsed(models: readonly string[], languageCode: string): string {
  const base = languageCode.split("_")[0] ?? languageCode;
  for (const m of models) {
    const resolved = ALIASES[m] ?? m;
    const langs = MODEL_LANGUAGES[resolved];
    if (!langs || langs.includes(base)) return resolved;
  }
  const first = models[0] ?? DEFAULT_SPEECH_MODELS[0]!;
  return ALIASES[first] ?? first;
}

/** `TranscriptLanguageCode` from the SDK's openapi.generated.ts. */
export const LANGUAGE_CODES: ReadonlySet<string> = new Set(
  ("en en_au en_uk en_us es fr de de_ch it pt nl af sq am ar hy as az ba eu be bn bs br bg my ca " +
    "zh hr cs da et fo fi gl ka el gu ht ha haw he hi hu is id ja jw kn kk km ko lo la lv ln lt " +
    "lb mk mg ms ml mt mi mr mn ne no nn oc pa ps fa pl ro ru sa sr sn sd si sk sl so su sw sv " +
    "tl tg ta tt te th bo tr tk uk ur uz vi cy yi yo").split(" "),
);

export const DEFAULT_LANGUAGE = "en_us";
