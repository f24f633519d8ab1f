import { isObjectType } from "graphql";
import { builder } from "./builder.js";
import "./enums.js";
import "./health.js";
import "./user.js";
import "./workspace.js";
import "./bot.js";
import "./prompt.js";
import "./api-key.js";
import "./source.js";
import "./source-sync.js";
import "./chat-session.js";
import "./chat.js";
import "./usage.js";
import "./correction.js";
import "./gap.js";
import "./check.js";
import "./handoff.js";
import "./webhook.js";

/** The executable schema, built once from every domain file imported above. */
export const schema = builder.toSchema({ sortSchema: true });

// plugin-prisma adds `totalCount` to connections without a way to describe
// it; every field of the API carries a description, so it gets one here.
for (const type of Object.values(schema.getTypeMap())) {
  const field = isObjectType(type) && type.name.endsWith("Connection") ? type.getFields().totalCount : undefined;
  if (field && !field.description) field.description = "How many results there are in all pages.";
}
