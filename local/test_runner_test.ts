import assert from "node:assert/strict";
import { countDenoTest, planDenoTest, SERIAL_DIR } from "./test_runner.ts";

const ROOT = "/repo";
const PARALLEL = ["--parallel", `--ignore=${SERIAL_DIR}`];

Deno.test("planDenoTest: no paths → everything but tests/pipeline in parallel, then it alone", () => {
  assert.deepEqual(planDenoTest([], ROOT), { parallel: PARALLEL, serial: [SERIAL_DIR] });
});

Deno.test("planDenoTest: a path inside tests/pipeline runs only in the serial run", () => {
  assert.deepEqual(planDenoTest(["tests/pipeline/call_enrich_test.ts"], ROOT), {
    parallel: null,
    serial: ["tests/pipeline/call_enrich_test.ts"],
  });
  assert.deepEqual(planDenoTest(["./tests/pipeline/"], ROOT), {
    parallel: null,
    serial: ["./tests/pipeline/"],
  });
  assert.deepEqual(planDenoTest([`${ROOT}/tests/pipeline`], ROOT), {
    parallel: null,
    serial: [`${ROOT}/tests/pipeline`],
  });
});

Deno.test("planDenoTest: other paths run only in the parallel run", () => {
  assert.deepEqual(planDenoTest(["tests/integration", "local/log_scan_test.ts"], ROOT), {
    parallel: [...PARALLEL, "tests/integration", "local/log_scan_test.ts"],
    serial: null,
  });
  // A sibling whose name starts the same is not inside it.
  assert.deepEqual(planDenoTest(["tests/pipeline_extra"], ROOT), {
    parallel: [...PARALLEL, "tests/pipeline_extra"],
    serial: null,
  });
});

Deno.test("planDenoTest: a path containing tests/pipeline is split between the runs", () => {
  assert.deepEqual(planDenoTest(["tests"], ROOT), {
    parallel: [...PARALLEL, "tests"],
    serial: [SERIAL_DIR],
  });
  assert.deepEqual(planDenoTest([".", "tests/pipeline/spend_budget_test.ts"], ROOT), {
    parallel: [...PARALLEL, "."],
    serial: [SERIAL_DIR],
  });
});

Deno.test("planDenoTest: flags go to both runs, with their values", () => {
  assert.deepEqual(planDenoTest(["--filter", "stage engine", "tests"], ROOT), {
    parallel: [...PARALLEL, "--filter", "stage engine", "tests"],
    serial: ["--filter", "stage engine", SERIAL_DIR],
  });
  assert.deepEqual(planDenoTest(["--fail-fast", "tests/pipeline"], ROOT), {
    parallel: null,
    serial: ["--fail-fast", "tests/pipeline"],
  });
  assert.deepEqual(planDenoTest(["--filter=webhook"], ROOT), {
    parallel: [...PARALLEL, "--filter=webhook"],
    serial: ["--filter=webhook", SERIAL_DIR],
  });
});

Deno.test("countDenoTest reads the summary line, with or without steps", () => {
  assert.deepEqual(countDenoTest("ok | 12 passed (3 steps) | 0 failed (1s)"), {
    passed: 12,
    failed: 0,
  });
  assert.deepEqual(countDenoTest("FAILED | 5 passed | 2 failed (9s)"), { passed: 5, failed: 2 });
  assert.equal(countDenoTest("error: No test modules found"), null);
});
