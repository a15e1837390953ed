/**
 * Agent writes: service and check registration, TTL updates, maintenance mode, and the
 * membership operations (join, leave, force-leave), with Consul's texts and status codes.
 * Every change is pushed to the catalog before answering, as Consul's `syncChanges` does; a
 * failed push only logs, because anti-entropy retries it.
 */

import {
  CheckDefinitionError,
  type HealthStatus,
  isHealthStatus,
  parseCheckDefinition,
} from "../agent/checks/mod.ts";
import { LocalStateError } from "../agent/local/mod.ts";
import { Fields } from "./_fields.ts";
import type { HandlerContext } from "./context.ts";
import { badRequest, notFound, notImplemented } from "./errors.ts";
import { parseGoBool } from "./query.ts";
import type { Route } from "./router.ts";
import { parseServiceDefinition } from "./service_definition.ts";

async function syncChanges(ctx: HandlerContext): Promise<void> {
  try {
    // Registrations are on disk before the answer, as Consul persists them before replying.
    await ctx.deps.agent.saved();
  } catch (error) {
    ctx.deps.log?.("error", "failed to save registrations", { error: (error as Error).message });
  }
  try {
    await ctx.deps.state.syncChanges();
  } catch (error) {
    ctx.deps.log?.("error", "failed to sync changes", { error: (error as Error).message });
  }
}

async function registerService(ctx: HandlerContext) {
  const registration = parseServiceDefinition(await ctx.req.json());
  const token = registration.token || ctx.token();
  try {
    ctx.deps.agent.addService(registration.service, registration.checks, {
      token,
      source: "remote",
      replaceExistingChecks: ctx.req.has("replace-existing-checks"),
    });
  } catch (error) {
    if (error instanceof CheckDefinitionError) throw badRequest(`Invalid check: ${error.message}`);
    if (error instanceof LocalStateError) throw badRequest(error.message);
    throw error;
  }
  await syncChanges(ctx);
}

function requireService(ctx: HandlerContext, id: string): void {
  if (!ctx.deps.state.service(id)) {
    throw notFound(
      `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`,
    );
  }
}

function requireCheck(ctx: HandlerContext, id: string): void {
  if (!ctx.deps.state.check(id)) {
    throw notFound(
      `Unknown check ID "${id}". Ensure that the check ID is passed, not the check name.`,
    );
  }
}

async function deregisterService(ctx: HandlerContext) {
  const id = ctx.req.rest("/v1/agent/service/deregister/");
  requireService(ctx, id);
  ctx.deps.agent.removeService(id);
  await syncChanges(ctx);
}

/** `?enable=` as Consul reads it. */
function enableParam(ctx: HandlerContext): boolean {
  if (!ctx.req.has("enable")) throw badRequest("Missing value for enable");
  const raw = ctx.req.get("enable");
  const enable = parseGoBool(raw);
  if (enable === undefined) throw badRequest(`Invalid value for enable: ${JSON.stringify(raw)}`);
  return enable;
}

async function serviceMaintenance(ctx: HandlerContext) {
  const id = ctx.req.rest("/v1/agent/service/maintenance/");
  if (id === "") throw badRequest("Missing service ID");
  const enable = enableParam(ctx);
  requireService(ctx, id);
  if (enable) {
    ctx.deps.agent.enableServiceMaintenance(id, ctx.req.get("reason"), ctx.token());
  } else {
    ctx.deps.agent.disableServiceMaintenance(id);
  }
  await syncChanges(ctx);
}

async function nodeMaintenance(ctx: HandlerContext) {
  if (enableParam(ctx)) ctx.deps.agent.enableNodeMaintenance(ctx.req.get("reason"), ctx.token());
  else ctx.deps.agent.disableNodeMaintenance();
  await syncChanges(ctx);
}

async function registerCheck(ctx: HandlerContext) {
  const body = await ctx.req.json();
  const fields = new Fields(body, "Check definition");
  if (fields.string("Name") === "") throw badRequest("Missing check name");
  const status = fields.raw("Status");
  if (status !== undefined && status !== "" && !isHealthStatus(status)) {
    throw badRequest("Bad check status");
  }
  let def;
  try {
    def = parseCheckDefinition(body);
  } catch (error) {
    if (error instanceof CheckDefinitionError) throw badRequest(`Invalid check: ${error.message}`);
    throw error;
  }
  if (def.serviceId !== "" && !ctx.deps.state.service(def.serviceId)) {
    throw notFound(`ServiceID "${def.serviceId}" does not exist`);
  }
  try {
    ctx.deps.agent.addCheck(def, { token: def.token || ctx.token(), source: "remote" });
  } catch (error) {
    if (error instanceof CheckDefinitionError) throw badRequest(`Invalid check: ${error.message}`);
    throw error;
  }
  await syncChanges(ctx);
}

async function deregisterCheck(ctx: HandlerContext) {
  const id = ctx.req.rest("/v1/agent/check/deregister/");
  requireCheck(ctx, id);
  ctx.deps.agent.removeCheck(id);
  await syncChanges(ctx);
}

async function updateTtl(ctx: HandlerContext, id: string, status: HealthStatus, output: string) {
  requireCheck(ctx, id);
  ctx.deps.agent.updateTtlCheck(id, status, output);
  await syncChanges(ctx);
}

function ttlRoute(verb: "pass" | "warn" | "fail", status: HealthStatus): Route {
  const prefix = `/v1/agent/check/${verb}/`;
  return {
    path: prefix,
    methods: ["PUT"],
    handler: (ctx) => updateTtl(ctx, ctx.req.rest(prefix), status, ctx.req.get("note")),
  };
}

async function checkUpdate(ctx: HandlerContext) {
  const fields = new Fields(await ctx.req.json(), "Check update");
  const status = fields.string("Status");
  if (!isHealthStatus(status)) throw badRequest(`Invalid check status: '${status}'`);
  await updateTtl(ctx, ctx.req.rest("/v1/agent/check/update/"), status, fields.string("Output"));
}

const NO_GOSSIP =
  "this Consulate agent runs as a single node: cluster membership arrives with gossip support";

async function join(ctx: HandlerContext) {
  const address = ctx.req.rest("/v1/agent/join/");
  const wan = ctx.req.get("wan") !== "";
  const membership = ctx.deps.membership;
  if (!membership?.join) throw notImplemented(`Joining is not supported yet: ${NO_GOSSIP}`);
  if (address === "") throw badRequest("Missing address to join");
  await membership.join(address, wan);
}

async function forceLeave(ctx: HandlerContext) {
  const node = ctx.req.rest("/v1/agent/force-leave/");
  const membership = ctx.deps.membership;
  if (!membership?.forceLeave) {
    throw notImplemented(`Force-leave is not supported yet: ${NO_GOSSIP}`);
  }
  await membership.forceLeave(node, { prune: ctx.req.has("prune"), wan: ctx.req.has("wan") });
}

function leave(ctx: HandlerContext) {
  const leaveAgent = ctx.deps.leave;
  if (!leaveAgent) throw notImplemented("Leaving is not supported by this agent");
  // Answer first: the agent shuts down while leaving, as Consul's does.
  ctx.deps.clock.setTimer(0, () => {
    leaveAgent().catch((error: Error) => {
      ctx.deps.log?.("error", "leave failed", { error: error.message });
    });
  });
}

/** The agent write routes. */
export const AGENT_WRITE_ROUTES: readonly Route[] = [
  { path: "/v1/agent/service/register", methods: ["PUT"], handler: registerService },
  { path: "/v1/agent/service/deregister/", methods: ["PUT"], handler: deregisterService },
  { path: "/v1/agent/service/maintenance/", methods: ["PUT"], handler: serviceMaintenance },
  { path: "/v1/agent/maintenance", methods: ["PUT"], handler: nodeMaintenance },
  { path: "/v1/agent/check/register", methods: ["PUT"], handler: registerCheck },
  { path: "/v1/agent/check/deregister/", methods: ["PUT"], handler: deregisterCheck },
  ttlRoute("pass", "passing"),
  ttlRoute("warn", "warning"),
  ttlRoute("fail", "critical"),
  { path: "/v1/agent/check/update/", methods: ["PUT"], handler: checkUpdate },
  { path: "/v1/agent/join/", methods: ["PUT"], handler: join },
  { path: "/v1/agent/leave", methods: ["PUT"], handler: leave },
  { path: "/v1/agent/force-leave/", methods: ["PUT"], handler: forceLeave },
];
