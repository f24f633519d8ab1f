import { builder } from "./builder.js";
import "./health.js";

/** The executable schema, built once from every domain file imported above. */
export const schema = builder.toSchema({ sortSchema: true });
