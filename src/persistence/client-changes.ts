import type { DataSource } from "typeorm";
import { getPGliteInstance } from "typeorm-pglite";
import type { ChannelSubscriber } from "./notification-listener";

export const CLIENT_CHANNEL = "purposeql_client";

/** Told of every change to a client (its row or its purposes), wherever it was made. */
export interface ClientChangeSink {
  /** A client changed; null: any client may have (a TRUNCATE). */
  changed(clientId: string | null): void;
  /** From now on, every change is told here. */
  listening(): void;
  /** Changes may go untold until `listening` again. */
  deaf(): void;
}

/** The announcements of the client_change_notify trigger (migration ClientChangeNotify), for the notification listener. */
export function clientChanges(sink: ClientChangeSink): ChannelSubscriber {
  return {
    channel: CLIENT_CHANNEL,
    notified: (payload) => sink.changed(payload === "*" ? null : payload),
    listening: () => sink.listening(),
    deaf: () => sink.deaf(),
  };
}

export interface EmbeddedListener {
  close(): void;
}

/**
 * On PGlite the database is this process's alone (the CLI beside a running server goes through
 * it), and it delivers a notification to its one session as the transaction commits — before the
 * writing statement returns. Listening there, every change is told synchronously, by the same
 * trigger as on PostgreSQL, so no code path that changes a client can forget to tell.
 */
export async function listenOnEmbedded(dataSource: DataSource, subscriber: ChannelSubscriber): Promise<EmbeddedListener> {
  const pglite = await getPGliteInstance();
  const stop = pglite.onNotification((channel, payload) => {
    if (channel === subscriber.channel) subscriber.notified(payload);
  });
  try {
    // Through the data source, which holds the one session for this statement alone.
    await dataSource.query(`LISTEN ${subscriber.channel}`);
  } catch (error) {
    stop();
    throw error;
  }
  subscriber.listening(false);
  return {
    close: () => {
      subscriber.deaf();
      stop();
    },
  };
}
