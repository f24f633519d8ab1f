/**
 * One script for both roles. On the widget page Parley serves
 * (GET /widget/:botId) it finds its configuration in #parley-config and runs
 * the chat; on any other page it is the launcher from a script tag:
 *   <script src="https://parley.example/widget.js" data-bot-id="…" data-api-key="…" async></script>
 */
import { startChat } from "./chat.js";
import { startLauncher } from "./launcher.js";
import type { PageConfig } from "./types.js";

// currentScript is only set while this script first runs.
const script = document.currentScript instanceof HTMLScriptElement ? document.currentScript : null;
const config = document.getElementById("parley-config");
if (config) void startChat(JSON.parse(config.textContent ?? "{}") as PageConfig);
else void startLauncher(script);
