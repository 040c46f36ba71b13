/**
 * Page property values in the shape POST/PATCH /v1/pages takes, for whatever type the property
 * map gives a property (an operator may, say, keep Direction as text): each value is converted
 * to the mapped type, or left out when it cannot be (a list into a number). Text is one-line and
 * within Notion's limits (2,000 per text item, 200 per phone number, 100 options per
 * multi-select, select options without commas).
 */
import { NOTION_LIMITS } from "./limits.ts";
import { item, oneLine } from "./rich_text.ts";

export type PropertyType =
  | "title"
  | "rich_text"
  | "number"
  | "select"
  | "multi_select"
  | "date"
  | "checkbox"
  | "url"
  | "email"
  | "phone_number"
  | "relation";

export type Value =
  | { kind: "text"; value: string | null }
  | { kind: "number"; value: number | null }
  | { kind: "bool"; value: boolean }
  | { kind: "date"; value: string | null }
  | { kind: "list"; value: string[] }
  | { kind: "relation"; value: string[] }
  | { kind: "url"; value: string | null };

const option = (s: string) => oneLine(s.replaceAll(",", " "), 100);

function asText(v: Value): string | null {
  switch (v.kind) {
    case "text":
    case "date":
    case "url":
      return v.value;
    case "number":
      return v.value === null ? null : String(v.value);
    case "bool":
      return v.value ? "Yes" : "No";
    case "list":
      return v.value.length ? v.value.join(", ") : null;
    case "relation":
      return null;
  }
}

/** The request value of `v` for a property of `type`; undefined: not expressible, leave it out. */
export function propertyValue(type: PropertyType, v: Value): unknown {
  const text = asText(v);
  switch (type) {
    case "title":
    case "rich_text":
      return { [type]: text ? [item(oneLine(text, NOTION_LIMITS.textChars))] : [] };
    case "number":
      return v.kind === "number" ? { number: v.value } : undefined;
    case "checkbox":
      return v.kind === "bool" ? { checkbox: v.value } : undefined;
    case "select":
      return { select: text && option(text) ? { name: option(text) } : null };
    case "multi_select": {
      const list = v.kind === "list" ? v.value : text ? [text] : [];
      const names = [...new Set(list.map(option).filter((s) => s !== ""))];
      return { multi_select: names.slice(0, NOTION_LIMITS.multiSelect).map((name) => ({ name })) };
    }
    case "date":
      return v.kind === "date" ? { date: v.value ? { start: v.value } : null } : undefined;
    case "url": {
      const url = v.kind === "url" || v.kind === "text" ? v.value : null;
      return { url: url && url.length <= NOTION_LIMITS.urlChars ? url : null };
    }
    case "email":
    case "phone_number": {
      const s = text ? oneLine(text, NOTION_LIMITS.phoneChars) : null;
      return { [type]: s || null };
    }
    case "relation":
      return v.kind === "relation"
        ? { relation: v.value.slice(0, 100).map((id) => ({ id })) }
        : undefined;
  }
}
