/**
 * The admin HTTP API's wire shapes (docs/operations.md), shared by the server
 * (src/server/admin.ts), the `banter admin` CLI and the web admin page.
 */
import * as z from 'zod';

/** One connection as the admin API lists it; `name` is null until the connection logs in. */
export const AdminClient = z.object({
  id: z.string(),
  name: z.string().nullable(),
  transport: z.string(),
  remote: z.string(),
  connectedAt: z.number(),
  rooms: z.array(z.string()),
  queuedBytes: z.number(),
});
export type AdminClient = z.infer<typeof AdminClient>;

/** `GET /api/admin/clients` */
export const AdminClientsReply = z.object({ clients: z.array(AdminClient) });
export type AdminClientsReply = z.infer<typeof AdminClientsReply>;
