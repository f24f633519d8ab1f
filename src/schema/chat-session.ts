import { builder } from "./builder.js";

export const ChatSession = builder.prismaObject("ChatSession", {
  description: "A conversation with a bot.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The conversation's id (not the visitor's session token)." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it began." }),
    lastActivityAt: t.expose("lastActivityAt", { type: "DateTime", description: "When the last message came." }),
  }),
});
