import { LRUCache } from "lru-cache";
import type { EntityManager } from "typeorm";
import { ClientRole } from "../domain/policy-terms";
import { recipientTypeOf } from "../domain/recipients";
import { unauthenticated } from "../errors";
import { findClientByKeyId, type ClientCredentials } from "../persistence/client-repository";
import type { ClientChangeSink } from "../persistence/client-changes";
import { keyIdOf, keyMatches } from "./api-key";
import { bearerChallenge, type AuthenticatedClient } from "./authenticate";

/** Bounds the memory the cache holds: the clients most recently used, not one per key ever presented. */
const MAX_CACHED_CLIENTS = 10_000;
/**
 * How long an entry is served at most. Notifications make changes take effect at once; this bounds
 * the damage of one that never comes without the connection reporting an error (a silent network
 * partition), at the cost of one statement per key this often.
 */
const MAX_ENTRY_AGE_MS = 5 * 60_000;

interface Entry {
  readonly stored: ClientCredentials;
  readonly client: AuthenticatedClient;
  /** The policy version in force when the client was read: a new version reads it again. */
  readonly policyVersion: number;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Authenticates requests, keeping the clients it found by key id in memory, so a key's requests
 * after its first send no SQL to authenticate. What is kept is the stored client, hash included:
 * the presented key is compared with the hash in constant time on every request, and only keys
 * that exist are kept (a flood of random keys costs a statement each, as without a cache, and no
 * memory). Entries are dropped when told of a change (ClientChangeSink): synchronously by this
 * process's own changes, and by the client_change_notify trigger through LISTEN for any
 * connection's. While nothing listens — before the listener is up, after it lost its connection
 * — entries are neither served nor kept: every request reads the database, so a revoked key is
 * never accepted for longer than a notification takes to arrive.
 *
 * One per server (AppServices), never per module: two servers in one process keep their own.
 */
export class Authenticator implements ClientChangeSink {
  private readonly entries = new LRUCache<string, Entry>({ max: MAX_CACHED_CLIENTS, ttl: MAX_ENTRY_AGE_MS });
  /** Whether changes are being told: only then may entries be served. */
  private told = false;
  /**
   * Counts the changes told; a lookup that began before a change to its client (or to all of them)
   * may have read what the change replaced, and is not kept.
   */
  private generation = 0;
  private everyClientChangedAt = 0;
  private readonly clientChangedAt = new Map<string, number>();
  private readonly observers = new Set<(clientId: string | null) => void>();

  constructor(
    private readonly manager: EntityManager,
    private readonly policyVersion: () => number,
  ) {}

  /** The client behind `Authorization: Bearer <key>`; any failure is UNAUTHENTICATED. */
  async authenticate(authorization: string | undefined): Promise<AuthenticatedClient> {
    const refuse = (message: string) => unauthenticated(message, bearerChallenge(authorization));
    if (!authorization) throw refuse("Missing API key: send `Authorization: Bearer <api key>`.");
    const apiKey = BEARER.exec(authorization)?.[1];
    if (!apiKey) throw refuse("Malformed Authorization header: expected `Bearer <api key>`.");
    const keyId = keyIdOf(apiKey);
    const entry = this.cached(keyId) ?? (await this.lookUp(keyId));
    if (!entry || !keyMatches(apiKey, entry.stored.keyHash) || entry.stored.revoked) {
      throw refuse("Unknown or revoked API key.");
    }
    return entry.client;
  }

  /** This process changed the client: its next request reads it again, whenever the notification comes. */
  forget(clientId: string): void {
    this.drop(clientId);
  }

  changed(clientId: string | null): void {
    this.drop(clientId);
  }

  private drop(clientId: string | null): void {
    if (clientId === null || this.clientChangedAt.size >= MAX_CACHED_CLIENTS) this.forgetEveryClient();
    else {
      this.clientChangedAt.set(clientId, ++this.generation);
      for (const [keyId, entry] of this.entries.entries()) if (entry.stored.id === clientId) this.entries.delete(keyId);
    }
    for (const observer of this.observers) observer(clientId);
  }

  listening(): void {
    this.forgetEveryClient();
    this.told = true;
  }

  deaf(): void {
    this.told = false;
    this.forgetEveryClient();
  }

  private forgetEveryClient(): void {
    this.everyClientChangedAt = ++this.generation;
    this.clientChangedAt.clear();
    this.entries.clear();
  }

  /** Whether entries are served: true while changes are being told (the listener is connected). */
  get servesFromMemory(): boolean {
    return this.told;
  }

  /** Calls `observer` with each change told from now on: the client's id, null for every client (a test waits for a notification). Returns the unsubscribe. */
  onChange(observer: (clientId: string | null) => void): () => void {
    this.observers.add(observer);
    return () => void this.observers.delete(observer);
  }

  private cached(keyId: string): Entry | undefined {
    if (!this.told) return undefined;
    const entry = this.entries.get(keyId);
    if (entry && entry.policyVersion !== this.policyVersion()) {
      this.entries.delete(keyId);
      return undefined;
    }
    return entry;
  }

  private async lookUp(keyId: string): Promise<Entry | null> {
    const generation = this.generation;
    const policyVersion = this.policyVersion();
    const stored = await findClientByKeyId(this.manager, keyId);
    if (!stored) return null;
    const entry: Entry = { stored, client: authenticatedClientOf(stored), policyVersion };
    const changedSince = Math.max(this.everyClientChangedAt, this.clientChangedAt.get(stored.id) ?? 0) > generation;
    if (this.told && !changedSince) this.entries.set(keyId, entry);
    return entry;
  }
}

function authenticatedClientOf(stored: ClientCredentials): AuthenticatedClient {
  return {
    id: stored.id,
    name: stored.name,
    role: stored.role,
    purposes: new Set(stored.purposeKeys),
    // Partners read; whatever a row might say, they hold no capability.
    capabilities: new Set(stored.role === ClientRole.PARTNER ? [] : stored.capabilities),
    processorName: stored.processorName,
    recipientType: recipientTypeOf(stored.role, stored.processorName),
  };
}
