import { Client } from "pg";
import type { Logger } from "../logging/logger";
import type { LivePolicy } from "./live-policy";

export const POLICY_CHANNEL = "purposeql_policy";
const RECONNECT_DELAY_MS = 1_000;

export interface PolicyListener {
  close(): Promise<void>;
}

/**
 * Keeps this instance's compiled policy current when another instance changes the policy:
 * every new policy version is announced with NOTIFY (a trigger on policy_version), and this
 * connection LISTENs. After a lost connection it reconnects and reloads, in case it missed one.
 */
export async function listenForPolicyChanges(databaseUrl: string, policy: LivePolicy, logger: Logger): Promise<PolicyListener> {
  let client: Client | null = null;
  let closed = false;
  let reconnectTimer: NodeJS.Timeout | undefined;

  const reload = async (): Promise<void> => {
    try {
      await policy.reload();
      logger.info({ policyVersion: policy.version }, "policy reloaded");
    } catch (error) {
      logger.error({ error: error instanceof Error ? error.message : String(error) }, "policy reload failed");
    }
  };

  const connect = async (): Promise<void> => {
    const next = new Client({ connectionString: databaseUrl });
    next.on("notification", (message) => {
      if (message.channel === POLICY_CHANNEL && Number(message.payload) > policy.version) void reload();
    });
    next.on("error", (error) => {
      logger.warn({ error: error.message }, "policy listener lost its connection; reconnecting");
      scheduleReconnect();
    });
    await next.connect();
    await next.query(`LISTEN ${POLICY_CHANNEL}`);
    client = next;
  };

  const scheduleReconnect = (): void => {
    if (closed || reconnectTimer) return;
    const previous = client;
    client = null;
    void previous?.end().catch(() => undefined);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect().then(reload, () => scheduleReconnect());
    }, RECONNECT_DELAY_MS);
    reconnectTimer.unref();
  };

  await connect();
  return {
    close: async () => {
      closed = true;
      clearTimeout(reconnectTimer);
      await client?.end();
    },
  };
}
