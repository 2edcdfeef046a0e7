import net from "node:net";

/**
 * A TCP proxy between a server and PostgreSQL that counts the statements the server sends: each
 * simple query ('Q') and each Execute ('E') of the extended protocol is one statement, whatever the
 * Parse/Bind/Sync around it. It reads the frontend's messages only (type byte, then a 32-bit length
 * that counts itself) and forwards every byte unchanged. Used for a short counting pass only, never
 * during the timed runs: it would add a hop to every statement.
 */
export interface SeenStatement {
  /** 'Q' (simple query) or 'E' (execute of a parsed statement). */
  readonly kind: "Q" | "E";
  /** The SQL: the simple query's text, or the text of the statement parsed under the executed name. */
  readonly sql: string;
}

export class PgWireCounter {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private seen: SeenStatement[] = [];

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = net.createServer((client) => this.relay(client));
  }

  /** Listens on a free loopback port, forwarding to `target`. */
  static async start(target: { host: string; port: number }): Promise<PgWireCounter> {
    const counter = new PgWireCounter(target);
    await new Promise<void>((resolve) => counter.server.listen(0, "127.0.0.1", resolve));
    return counter;
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === "string") throw new Error("the counter is not listening");
    return address.port;
  }

  /** The statements seen since the last `reset`, in the order they arrived. */
  statements(): readonly SeenStatement[] {
    return this.seen;
  }

  reset(): void {
    this.seen = [];
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: net.Socket): void {
    const upstream = net.connect(this.target.port, this.target.host);
    this.sockets.add(client).add(upstream);
    const parse = this.frontendParser();
    client.on("data", (chunk: Buffer) => {
      parse(chunk);
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  }

  /** One connection's frontend stream: the startup message (no type byte), then typed messages. */
  private frontendParser(): (chunk: Buffer) => void {
    let buffered = Buffer.alloc(0);
    let started = false;
    const parsedByName = new Map<string, string>();
    return (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        if (!started) {
          if (buffered.length < 8) return;
          const length = buffered.readInt32BE(0);
          if (buffered.length < length) return;
          const code = buffered.readInt32BE(4);
          buffered = buffered.subarray(length);
          // SSLRequest / GSSENCRequest are answered with one byte and followed by the real startup message.
          if (code !== 80877103 && code !== 80877104) started = true;
          continue;
        }
        if (buffered.length < 5) return;
        const type = String.fromCharCode(buffered[0]!);
        const length = buffered.readInt32BE(1);
        if (buffered.length < 1 + length) return;
        const body = buffered.subarray(5, 1 + length);
        buffered = buffered.subarray(1 + length);
        if (type === "Q") this.seen.push({ kind: "Q", sql: cString(body, 0).text });
        else if (type === "P") {
          const name = cString(body, 0);
          parsedByName.set(name.text, cString(body, name.next).text);
        } else if (type === "B") {
          const portal = cString(body, 0);
          parsedByName.set(`portal:${portal.text}`, parsedByName.get(cString(body, portal.next).text) ?? "?");
        } else if (type === "E") {
          this.seen.push({ kind: "E", sql: parsedByName.get(`portal:${cString(body, 0).text}`) ?? "?" });
        }
      }
    };
  }
}

function cString(buffer: Buffer, start: number): { text: string; next: number } {
  const end = buffer.indexOf(0, start);
  return { text: buffer.toString("utf8", start, end), next: end + 1 };
}
