/**
 * `/v1/catalog/*`: registration, deregistration and the catalog reads, over the server
 * endpoints, with Consul's empty-list rules (`[]`/`{}` rather than `null`).
 */

import type { NodeServiceRow } from "../endpoints/mod.ts";
import { isRecord } from "./_fields.ts";
import type { HandlerContext } from "./context.ts";
import { badRequest, notFound } from "./errors.ts";
import { parseNodeMeta } from "./query.ts";
import type { Route } from "./router.ts";

/** A JSON write body with the request's datacenter and token filled in, as Consul does. */
async function writeBody(ctx: HandlerContext): Promise<Record<string, unknown>> {
  const body = await ctx.req.json();
  if (!isRecord(body)) throw badRequest("Request decode failed: body must be a JSON object");
  const datacenter = typeof body.Datacenter === "string" && body.Datacenter !== ""
    ? body.Datacenter
    : ctx.datacenter();
  return { ...body, Datacenter: datacenter, Token: ctx.token() };
}

async function register(ctx: HandlerContext) {
  const args = await writeBody(ctx);
  await ctx.call("Catalog.Register", args as never);
  return true;
}

async function deregister(ctx: HandlerContext) {
  const args = await writeBody(ctx);
  await ctx.call("Catalog.Deregister", args as never);
  return true;
}

async function datacenters(ctx: HandlerContext) {
  return await ctx.call("Catalog.ListDatacenters", { Token: ctx.token() }) ?? [];
}

async function nodes(ctx: HandlerContext) {
  const reply = await ctx.read("Catalog.ListNodes", {
    ...ctx.query(),
    NodeMetaFilters: parseNodeMeta(ctx.req),
  });
  return reply.Nodes ?? [];
}

async function services(ctx: HandlerContext) {
  const reply = await ctx.read("Catalog.ListServices", {
    ...ctx.query(),
    NodeMetaFilters: parseNodeMeta(ctx.req),
  });
  return reply.Services ?? {};
}

/** `?tag=` (repeated) as the tag filter of a service read. */
export function tagFilter(ctx: HandlerContext): { ServiceTags?: string[]; TagFilter?: boolean } {
  const tags = ctx.req.all("tag");
  return tags.length === 0 ? {} : { ServiceTags: tags, TagFilter: true };
}

async function serviceNodes(ctx: HandlerContext) {
  const name = ctx.req.rest("/v1/catalog/service/");
  if (name === "") throw badRequest("Missing service name");
  const reply = await ctx.read("Catalog.ServiceNodes", {
    ...ctx.query(),
    ServiceName: name,
    NodeMetaFilters: parseNodeMeta(ctx.req),
    ...tagFilter(ctx),
  });
  return reply.ServiceNodes ?? [];
}

async function nodeServices(ctx: HandlerContext, prefix: string) {
  const node = ctx.req.rest(prefix);
  if (node === "") throw badRequest("Missing node name");
  const reply = await ctx.read("Catalog.NodeServices", { ...ctx.query(), Node: node });
  return reply.NodeServices;
}

async function nodeServiceList(ctx: HandlerContext) {
  const found = await nodeServices(ctx, "/v1/catalog/node-services/");
  if (!found) {
    throw notFound(`Node not found: ${JSON.stringify(ctx.req.rest("/v1/catalog/node-services/"))}`);
  }
  const list: NodeServiceRow[] = Object.values(found.Services ?? {});
  list.sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0));
  return { Node: found.Node, Services: list };
}

/** The catalog routes. */
export const CATALOG_ROUTES: readonly Route[] = [
  { path: "/v1/catalog/register", methods: ["PUT"], handler: register },
  { path: "/v1/catalog/deregister", methods: ["PUT"], handler: deregister },
  { path: "/v1/catalog/datacenters", methods: ["GET"], handler: datacenters },
  { path: "/v1/catalog/nodes", methods: ["GET"], handler: nodes },
  { path: "/v1/catalog/services", methods: ["GET"], handler: services },
  { path: "/v1/catalog/service/", methods: ["GET"], handler: serviceNodes },
  {
    path: "/v1/catalog/node/",
    methods: ["GET"],
    handler: (ctx) => nodeServices(ctx, "/v1/catalog/node/"),
  },
  { path: "/v1/catalog/node-services/", methods: ["GET"], handler: nodeServiceList },
];
