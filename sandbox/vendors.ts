/** The five vendor fakes, with the settings the demo and `deno task sandbox` use. */
import type { VendorModule } from "./core/vendor.ts";
import { createAssemblyAI } from "./assemblyai/mod.ts";
import { createGDrive } from "./gdrive/mod.ts";
import { createNotion } from "./notion/mod.ts";
import { createOpenAI } from "./openai/mod.ts";
import { createOpenPhone } from "./openphone/mod.ts";

export function createVendors(): VendorModule[] {
  return [createOpenPhone(), createNotion(), createAssemblyAI(), createOpenAI(), createGDrive()];
}
