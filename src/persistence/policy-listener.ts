import type { Logger } from "../logging/logger";
import type { LivePolicy } from "./live-policy";
import type { ChannelSubscriber } from "./notification-listener";

export const POLICY_CHANNEL = "purposeql_policy";

/**
 * Keeps this instance's compiled policy current when another instance changes the policy:
 * every new policy version is announced with NOTIFY (a trigger on policy_version), and the
 * notification listener LISTENs. After a lost connection it reloads, in case it missed one.
 */
export function policyChanges(policy: LivePolicy, logger: Logger): ChannelSubscriber {
  const reload = async (): Promise<void> => {
    try {
      await policy.reload();
      logger.info({ policyVersion: policy.version }, "policy reloaded");
    } catch (error) {
      logger.error({ error: error instanceof Error ? error.message : String(error) }, "policy reload failed");
    }
  };
  return {
    channel: POLICY_CHANNEL,
    notified: (payload) => {
      if (Number(payload) > policy.version) void reload();
    },
    listening: (reconnected) => {
      if (reconnected) void reload();
    },
    // The policy in force stays; the reload on reconnecting catches up with what was missed.
    deaf: () => undefined,
  };
}
