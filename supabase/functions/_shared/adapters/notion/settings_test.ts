import assert from "node:assert/strict";
import { ConfigError } from "../../platform/errors.ts";
import { DEFAULT_PROPERTY_MAP, resolvePropertyMap } from "./settings.ts";

Deno.test("property map: defaults when nothing is stored", () => {
  assert.deepEqual(resolvePropertyMap(null), DEFAULT_PROPERTY_MAP);
  assert.deepEqual(resolvePropertyMap({}), DEFAULT_PROPERTY_MAP);
});

Deno.test("property map: a partial override renames one property and keeps the rest", () => {
  const m = resolvePropertyMap({
    calls: { call_id: "Quo Call", duration: { name: "Seconds", type: "number" } },
    contacts: { name: { name: "Full name" } },
  });
  assert.equal(m.calls.call_id.name, "Quo Call");
  assert.equal(m.calls.call_id.type, "rich_text");
  assert.equal(m.calls.duration.name, "Seconds");
  assert.equal(m.calls.title.name, "Name");
  assert.equal(m.contacts.name.name, "Full name");
  assert.deepEqual(m.calls.contact, { name: "Contact", type: "relation", target: "contacts" });
});

Deno.test("property map: unknown databases, names, types and clashes are config errors", () => {
  assert.throws(() => resolvePropertyMap({ messages: {} }), ConfigError);
  assert.throws(() => resolvePropertyMap({ calls: { nope: "X" } }), /unknown property "nope"/);
  assert.throws(
    () => resolvePropertyMap({ calls: { cost: { name: "C", type: "money" } } }),
    /unknown type/,
  );
  assert.throws(
    () => resolvePropertyMap({ calls: { title: { name: "T", type: "rich_text" } } }),
    /title/,
  );
  assert.throws(() => resolvePropertyMap({ calls: { cost: "Duration (s)" } }), /both map to/);
  assert.throws(() => resolvePropertyMap([]), ConfigError);
});
