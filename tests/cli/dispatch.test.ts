import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { runCli } from "../../src/cli/dispatch.ts";
import { type CliContext, type Command, UsageError } from "../../src/cli/command.ts";
import type { Runtime } from "../../src/runtime/ports.ts";

function capture(): CliContext & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    runtime: {} as Runtime,
    out,
    err,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
  };
}

function command(path: string[], run: Command["run"]): Command {
  return {
    path,
    synopsis: `does ${path.join(" ")}`,
    help: `Usage: consulate ${path.join(" ")}`,
    run,
  };
}

const seen: string[][] = [];
const COMMANDS = [
  command(["tls", "ca", "create"], (args) => (seen.push(["ca", ...args]), Promise.resolve(0))),
  command(
    ["tls", "cert", "create"],
    () => Promise.reject(new UsageError("-node requires -server")),
  ),
  command(["version"], () => Promise.resolve(0)),
];

describe("runCli", () => {
  test("runs the longest matching command with the remaining arguments", async () => {
    const context = capture();
    assert.equal(await runCli(["tls", "ca", "create", "-days=5"], COMMANDS, context), 0);
    assert.deepEqual(seen.at(-1), ["ca", "-days=5"]);
  });

  test("prints a command's help for -h and does not run it", async () => {
    const context = capture();
    const before = seen.length;
    assert.equal(await runCli(["tls", "ca", "create", "-h"], COMMANDS, context), 0);
    assert.equal(seen.length, before);
    assert.match(context.out.join(""), /Usage: consulate tls ca create/);
  });

  test("a usage error prints the message and the help, exit code 1", async () => {
    const context = capture();
    assert.equal(await runCli(["tls", "cert", "create"], COMMANDS, context), 1);
    assert.match(
      context.err.join(""),
      /-node requires -server\n\nUsage: consulate tls cert create/,
    );
  });

  test("a command group lists its sub-commands", async () => {
    const context = capture();
    assert.equal(await runCli(["tls"], COMMANDS, context), 1);
    const text = context.out.join("");
    assert.match(text, /Usage: consulate tls <subcommand>/);
    assert.match(text, /ca +tls ca commands/);
    assert.match(text, /cert +tls cert commands/);
  });

  test("an unknown command exits 127 and lists the commands", async () => {
    const context = capture();
    assert.equal(await runCli(["frobnicate"], COMMANDS, context), 127);
    assert.match(context.err.join(""), /Unknown command: frobnicate[\s\S]*version +does version/);
  });

  test("no arguments prints the command list and exits 1", async () => {
    const context = capture();
    assert.equal(await runCli([], COMMANDS, context), 1);
    assert.match(context.out.join(""), /Available commands are:/);
  });
});
