import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { editDistance, formatFlagHelp, parseFlags } from "../../src/cli/flags.ts";
import { UsageError } from "../../src/cli/command.ts";

const SPECS = [
  { name: "dc", kind: "string", help: "Datacenter" },
  { name: "server", kind: "bool", help: "Server" },
  { name: "days", kind: "int", help: "Days" },
  { name: "additional-dnsname", kind: "list", help: "Extra DNS name" },
] as const;

describe("parseFlags", () => {
  test("accepts -flag=value, -flag value and --flag=value", () => {
    const a = parseFlags(["-dc=dc2", "-days", "30", "--server"], SPECS);
    assert.equal(a.values.get("dc"), "dc2");
    assert.equal(a.values.get("days"), 30);
    assert.equal(a.values.get("server"), true);
  });

  test("a boolean takes an explicit false and never consumes the next argument", () => {
    const parsed = parseFlags(["-server=false", "rest"], SPECS);
    assert.equal(parsed.values.get("server"), false);
    assert.deepEqual(parsed.positionals, ["rest"]);
  });

  test("repeatable flags collect every value in order", () => {
    const parsed = parseFlags(
      ["-additional-dnsname=a.example", "-additional-dnsname", "b.example"],
      SPECS,
    );
    assert.deepEqual(parsed.values.get("additional-dnsname"), ["a.example", "b.example"]);
  });

  test("parsing stops at the first positional and after --", () => {
    assert.deepEqual(parseFlags(["-dc=x", "file.hcl", "-server"], SPECS).positionals, [
      "file.hcl",
      "-server",
    ]);
    assert.deepEqual(parseFlags(["--", "-dc"], SPECS).positionals, ["-dc"]);
  });

  test("an unknown flag is a usage error with a suggestion", () => {
    assert.throws(
      () => parseFlags(["-serve"], SPECS),
      (error: unknown) =>
        error instanceof UsageError &&
        error.message === "flag provided but not defined: -serve (did you mean -server?)",
    );
  });

  test("a missing value and a non-integer are usage errors naming the flag", () => {
    assert.throws(() => parseFlags(["-dc"], SPECS), /flag needs an argument: -dc/);
    assert.throws(() => parseFlags(["-days=ten"], SPECS), /invalid value "ten" for flag -days/);
    assert.throws(() => parseFlags(["-server=maybe"], SPECS), /invalid boolean value "maybe"/);
  });

  test("help lists every flag with its value placeholder", () => {
    const help = formatFlagHelp(SPECS);
    assert.match(help, /-dc=<string>\n {6}Datacenter/);
    assert.match(help, /-server\n {6}Server/);
  });

  test("edit distance counts insertions, deletions and substitutions", () => {
    assert.equal(editDistance("server", "server"), 0);
    assert.equal(editDistance("serve", "server"), 1);
    assert.equal(editDistance("dc", "cd"), 2);
  });
});
