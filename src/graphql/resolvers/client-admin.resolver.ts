import { Arg, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { registerClient } from "../../auth/client-registration";
import { InvalidClientError, listClients, revokeClient } from "../../persistence/client-repository";
import { recipientTypeOf } from "../../domain/recipients";
import type { ClientRow } from "../../persistence/entities";
import type { RequestContext } from "../context";
import { badUserInput, notFound } from "../../errors";
import { AdminOnly } from "../personal-data";
import { assertAuthorised } from "../roles";
import { Client, CreateClientInput, CreatedClient } from "../types/client.types";

/**
 * Client administration over the API, so clients can be managed while the server owns the embedded
 * database (no second process may open it). ADMIN only; a new key is shown once, in the answer.
 */
@Resolver()
export class ClientAdminResolver {
  @AdminOnly()
  @Query(() => [Client], { description: "Every client, by name, with its role, purposes and capabilities. ADMIN only." })
  async clients(@Ctx() context: RequestContext): Promise<Client[]> {
    assertAuthorised(context);
    return (await listClients(context.app.dataSource.manager)).map(toClient);
  }

  @AdminOnly()
  @Mutation(() => CreatedClient, { description: "Creates a client with a new API key, shown in this answer only. ADMIN only." })
  async createClient(
    @Arg("input", () => CreateClientInput, { description: "The client." }) input: CreateClientInput,
    @Ctx() context: RequestContext,
  ): Promise<CreatedClient> {
    assertAuthorised(context);
    try {
      const { client, apiKey } = await registerClient(
        context.app.dataSource.manager,
        {
          name: input.name,
          role: input.role,
          purposeKeys: input.purposes,
          capabilities: input.capabilities ?? [],
          processorName: input.processor ?? null,
        },
        context.app.policy.compiled,
      );
      return { client: toClient(client), apiKey };
    } catch (error) {
      if (error instanceof InvalidClientError) {
        throw badUserInput(`Invalid input: ${error.message}`, { fields: [{ field: "input", message: error.message }] });
      }
      throw error;
    }
  }

  @AdminOnly()
  @Mutation(() => Client, { description: "Revokes a client's key from now on; its next request is refused. ADMIN only." })
  async revokeClient(@Arg("name", { description: "The client's name." }) name: string, @Ctx() context: RequestContext): Promise<Client> {
    assertAuthorised(context);
    const manager = context.app.dataSource.manager;
    const revokedId = await revokeClient(manager, name, context.app.now());
    if (!revokedId) throw notFound(`No active client named ${name}`);
    // Before answering: the key's very next request is refused, whether or not the notification has arrived.
    context.app.authenticator.forget(revokedId);
    const revoked = (await listClients(manager)).find((client) => client.name === name);
    if (!revoked) throw notFound(`No client named ${name}`);
    return toClient(revoked);
  }
}

function toClient(row: ClientRow): Client {
  return {
    name: row.name,
    role: row.role,
    purposes: row.purposes.map((purpose) => purpose.key).sort(),
    capabilities: [...row.capabilities],
    processor: row.processorName,
    recipientType: recipientTypeOf(row.role, row.processorName),
    createdAt: row.createdAt,
    revokedAt: row.revokedAt,
  };
}
