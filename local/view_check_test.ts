/**
 * The Notion view in a real browser (local/view_check.ts): headless Chromium parses the call page
 * and the page of hostile text built through the official SDK, and takes a screenshot. Skipped,
 * saying so, where Chromium is not installed (`apt-get install -y chromium`; local/bootstrap.sh
 * does not install it).
 */
import assert from "node:assert/strict";
import { Client } from "@notionhq/client";
import { createNotion } from "../sandbox/notion/mod.ts";
import { VIEW_PATH } from "../sandbox/notion/view.ts";
import { startSandbox } from "../sandbox/server.ts";
import {
  buildDemoWorkspace,
  checkCallDom,
  checkHostileDom,
  dumpDom,
  findChromium,
  screenshot,
} from "./view_check.ts";

const bin = findChromium();

Deno.test({
  name: bin
    ? "view check: the Notion view in headless Chromium"
    : "view check: the Notion view in headless Chromium (skipped: Chromium is not installed; apt-get install -y chromium)",
  ignore: !bin,
  async fn() {
    const sb = startSandbox({ vendors: [createNotion()], port: 0 });
    const out = await Deno.makeTempFile({ suffix: ".png" });
    try {
      const client = new Client({
        auth: "secret_view_check",
        baseUrl: `${sb.url}/notion`,
        logger: () => {},
      });
      const ws = await buildDemoWorkspace(client, async () => {
        const res = await fetch(`${sb.url}/_control/seed`, {
          method: "POST",
          body: JSON.stringify({ notion: { pages: [{ title: "Switchboard" }] } }),
        });
        return (await res.json()).notion.pages[0].id as string;
      });
      const url = (path: string) => `${sb.url}${VIEW_PATH}${path}`;
      const failed = [
        ...checkCallDom(await dumpDom(bin!, url(`/pages/${ws.callPage}`)), ws),
        ...checkHostileDom(await dumpDom(bin!, url(`/pages/${ws.hostilePage}`))),
      ].filter((c) => !c.ok).map((c) => c.name);
      assert.deepEqual(failed, []);

      await screenshot(bin!, url(`/pages/${ws.callPage}?open=1`), out, "1280,900");
      const png = await Deno.readFile(out);
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
      const view = new DataView(png.buffer, png.byteOffset);
      assert.deepEqual([view.getUint32(16), view.getUint32(20)], [1280, 900]);
    } finally {
      await Deno.remove(out).catch(() => {});
      await sb.close();
    }
  },
});
