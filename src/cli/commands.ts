/**
 * Every `consulate` sub-command, in one list for the dispatcher.
 *
 * @module
 */
import type { Command } from "./command.ts";
import { agentCommand } from "./agent_command.ts";
import {
  catalogDatacentersCommand,
  catalogNodesCommand,
  catalogServicesCommand,
} from "./catalog_commands.ts";
import { connectEnvoyCommand } from "./connect_envoy_command.ts";
import { demoCommand } from "./demo_command.ts";
import { meshGatewayCommand } from "./mesh_gateway_command.ts";
import { kvDeleteCommand, kvGetCommand, kvPutCommand } from "./kv_commands.ts";
import { leaveCommand } from "./leave_command.ts";
import { maintCommand } from "./maint_command.ts";
import { membersCommand } from "./members_command.ts";
import { forceLeaveCommand, joinCommand } from "./membership_commands.ts";
import { servicesDeregisterCommand, servicesRegisterCommand } from "./services_commands.ts";
import { tlsCaCreateCommand } from "./tls_ca_create.ts";
import { tlsCertCreateCommand } from "./tls_cert_create.ts";
import { validateCommand } from "./validate_command.ts";
import { versionCommand } from "./version_command.ts";

/** All sub-commands. */
export const COMMANDS: readonly Command[] = [
  agentCommand,
  catalogDatacentersCommand,
  catalogNodesCommand,
  catalogServicesCommand,
  connectEnvoyCommand,
  demoCommand,
  forceLeaveCommand,
  joinCommand,
  kvDeleteCommand,
  kvGetCommand,
  kvPutCommand,
  leaveCommand,
  maintCommand,
  membersCommand,
  meshGatewayCommand,
  servicesDeregisterCommand,
  servicesRegisterCommand,
  tlsCaCreateCommand,
  tlsCertCreateCommand,
  validateCommand,
  versionCommand,
];
