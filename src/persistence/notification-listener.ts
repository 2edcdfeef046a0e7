import { Client } from "pg";
import type { Logger } from "../logging/logger";

const RECONNECT_DELAY_MS = 1_000;

/** What one channel's listener is told: its notifications, and whether it can rely on hearing them. */
export interface ChannelSubscriber {
  readonly channel: string;
  notified(payload: string): void;
  /** LISTEN is in place — first (`reconnected` false), or again after a lost connection: from now on no change goes unannounced. */
  listening(reconnected: boolean): void;
  /** The connection is lost: changes may go unannounced until `listening` is called again. */
  deaf(): void;
}

export interface NotificationListener {
  close(): Promise<void>;
}

/**
 * LISTENs for the subscribers' channels on a dedicated PostgreSQL connection (a pooled one may be
 * handed to a request mid-notification). A lost connection is reported (`deaf`) at once and
 * re-established every second until it is back (`listening(true)`): what changed meanwhile was not
 * announced, so each subscriber re-reads what it keeps.
 */
export async function listenOnDedicatedConnection(
  databaseUrl: string,
  subscribers: readonly ChannelSubscriber[],
  logger: Logger,
): Promise<NotificationListener> {
  let client: Client | null = null;
  let closed = false;
  let reconnectTimer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = new Client({ connectionString: databaseUrl, application_name: LISTENER_APPLICATION_NAME });
    next.on("notification", (message) => {
      for (const subscriber of subscribers) if (subscriber.channel === message.channel) subscriber.notified(message.payload ?? "");
    });
    const lost = (reason: string): void => {
      if (closed || client !== next) return;
      logger.warn({ error: reason }, "notification listener lost its connection; reconnecting");
      scheduleReconnect();
    };
    next.on("error", (error) => lost(error.message));
    next.on("end", () => lost("connection ended"));
    try {
      await next.connect();
      for (const { channel } of subscribers) await next.query(`LISTEN ${channel}`);
    } catch (error) {
      await next.end().catch(() => undefined);
      throw error;
    }
    client = next;
  };

  const scheduleReconnect = (): void => {
    if (closed || reconnectTimer) return;
    const previous = client;
    client = null;
    for (const subscriber of subscribers) subscriber.deaf();
    void previous?.end().catch(() => undefined);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect().then(
        () => {
          for (const subscriber of subscribers) subscriber.listening(true);
        },
        () => scheduleReconnect(),
      );
    }, RECONNECT_DELAY_MS);
    reconnectTimer.unref();
  };

  await connect();
  for (const subscriber of subscribers) subscriber.listening(false);
  return {
    close: async () => {
      closed = true;
      clearTimeout(reconnectTimer);
      await client?.end();
    },
  };
}

/** How the listening connection names itself in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = "purposeql-listener";
