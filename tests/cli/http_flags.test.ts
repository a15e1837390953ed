import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CLIENT_FLAG_SPECS,
  clientFromFlags,
  formatColumns,
  formatTabbed,
  SERVER_FLAG_SPECS,
} from "../../src/cli/_http_flags.ts";
import { parseFlags } from "../../src/cli/flags.ts";
import { cliContext } from "../api/_cli_context.ts";

const SPECS = [...CLIENT_FLAG_SPECS, ...SERVER_FLAG_SPECS];

describe("HTTP command flags", () => {
  test("token precedence: -token, -token-file, CONSUL_HTTP_TOKEN, CONSUL_HTTP_TOKEN_FILE", async () => {
    const files = { "/flag-token": "from-flag-file\n", "/env-token": " from-env-file " };
    const env = { CONSUL_HTTP_TOKEN: "from-env", CONSUL_HTTP_TOKEN_FILE: "/env-token" };
    const token = async (args: string[], vars: Record<string, string>) =>
      (await clientFromFlags(parseFlags(args, SPECS), await cliContext(vars, files))).config.token;
    assert.equal(await token(["-token=from-flag", "-token-file=/flag-token"], env), "from-flag");
    assert.equal(await token(["-token-file=/flag-token"], env), "from-flag-file");
    assert.equal(await token([], env), "from-env");
    assert.equal(await token([], { CONSUL_HTTP_TOKEN_FILE: "/env-token" }), "from-env-file");
    assert.equal(await token([], {}), "");
  });

  test("-datacenter becomes the client's default dc and -http-addr its address", async () => {
    const flags = parseFlags(["-datacenter=dc7", "-http-addr=https://10.9.8.7:8501"], SPECS);
    const client = await clientFromFlags(flags, await cliContext({}));
    assert.equal(client.config.datacenter, "dc7");
    assert.equal(client.config.baseUrl, "https://10.9.8.7:8501");
  });
});

describe("Consul's table layouts", () => {
  test("columns pad all but the last cell to the widest, trimmed, joined by two spaces", () => {
    assert.equal(
      formatColumns([["Node", " ID ", "DC"], ["a-long-name", "", "dc1"], ["b", "x"]]),
      "Node         ID  DC\na-long-name      dc1\nb            x",
    );
  });

  test("tabbed rows pad each cell to the widest plus six spaces", () => {
    assert.deepEqual(formatTabbed([["Key", "a"], ["ModifyIndex", "7"], ["Value", ""]]), [
      "Key              a",
      "ModifyIndex      7",
      "Value            ",
    ]);
  });
});
