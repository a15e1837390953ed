/**
 * `consulate mesh-gateway`: a plainly named alias of `consulate connect envoy -gateway=mesh`,
 * with the same flags and `-gateway=mesh` implied, for people who never ran Envoy.
 *
 * @module
 */
import type { Command } from "./command.ts";
import { connectEnvoyCommand, runGatewayCommand } from "./connect_envoy_command.ts";

/** `consulate mesh-gateway`. */
export const meshGatewayCommand: Command = {
  path: ["mesh-gateway"],
  synopsis: "Runs the built-in mesh gateway (alias of connect envoy -gateway=mesh)",
  help: connectEnvoyCommand.help.replace(
    "consulate connect envoy -gateway=mesh",
    "consulate mesh-gateway",
  ),
  run: (args, context) => runGatewayCommand(args, context, { gatewayImplied: true }),
};
