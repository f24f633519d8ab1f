import { useState, type FormEvent } from "react";
import { Button, FieldError, Form, Input, Label, NumberField, Switch, Text, TextArea, TextField } from "react-aria-components";
import { useMutation } from "urql";
import type { BotDetailQuery, BusinessHoursInput, HandoffMode, LeadField, UpdateBotInput, Weekday, WidgetLanguage, WidgetPosition } from "../gql/graphql.js";
import { useFieldErrors, messageOutsideFields } from "../errors.js";
import { UpdateBot } from "../operations.js";
import { ScheduleSelect } from "./add-link.js";

type Bot = BotDetailQuery["bot"];

/** The widget's accent when none is chosen (widget/src/launcher.ts). */
const DEFAULT_COLOUR = "#1a73e8";

const LANGUAGES: Record<WidgetLanguage, string> = { EN: "English", DE: "Deutsch", ES: "Español", FR: "Français", NL: "Nederlands" };

const DAYS: [Weekday, string][] = [
  ["MON", "Monday"],
  ["TUE", "Tuesday"],
  ["WED", "Wednesday"],
  ["THU", "Thursday"],
  ["FRI", "Friday"],
  ["SAT", "Saturday"],
  ["SUN", "Sunday"],
];

/** The hours the form says: null when no day is ticked (a person can come whenever an operator is online). */
function hoursOf(form: FormData): BusinessHoursInput | null {
  const days = DAYS.filter(([day]) => form.get(`open-${day}`)).map(([day]) => ({
    day,
    from: String(form.get(`from-${day}`)),
    to: String(form.get(`to-${day}`)),
  }));
  return days.length ? { timeZone: String(form.get("timeZone") ?? "").trim(), days } : null;
}

/** When a person can come, per day, in the business's time zone. */
function HoursFields({ hours }: { hours: Bot["settings"]["handoffHours"] }) {
  const zone = hours?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  return (
    <div className="hours">
      <p className="muted">Tick the days a person answers. With no day ticked, visitors can reach an operator whenever one is online.</p>
      <label className="native">
        Time zone
        <input name="timeZone" defaultValue={zone} list="time-zones" />
      </label>
      <datalist id="time-zones">
        {Intl.supportedValuesOf("timeZone").map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
      {DAYS.map(([day, name]) => {
        const open = hours?.days.find((d) => d.day === day);
        return (
          <div className="row" key={day} role="group" aria-label={name}>
            <label className="native check">
              <input type="checkbox" name={`open-${day}`} defaultChecked={!!open} /> {name}
            </label>
            <label className="native">
              From
              <input type="time" name={`from-${day}`} defaultValue={open?.from ?? "09:00"} />
            </label>
            <label className="native">
              To
              <input type="time" name={`to-${day}`} defaultValue={open?.to === "24:00" ? "23:59" : (open?.to ?? "17:00")} />
            </label>
          </div>
        );
      })}
    </div>
  );
}

/** What the form says, as the API's input: empty text clears, numbers as typed. */
/** `loadedSimilarity`: the minimum similarity shown; unchanged, it is not sent, so a bot on the embedder's default stays on it. */
function inputOf(form: FormData, isPublic: boolean, loadedSimilarity: number): UpdateBotInput {
  const text = (name: string) => String(form.get(name) ?? "").trim();
  const number = (name: string) => Number(form.get(name));
  // Emptied, the field goes back to the embedder's default (null).
  const similarity = text("minSimilarity") === "" ? null : number("minSimilarity");
  return {
    name: text("name"),
    description: text("description") || null,
    isPublic,
    allowedDomains: text("allowedDomains")
      .split(/[\n,]/)
      .map((d) => d.trim())
      .filter(Boolean),
    settings: {
      chatModel: text("chatModel") || null,
      greeting: text("greeting") || null,
      temperature: number("temperature"),
      topK: number("topK"),
      minSimilarity: similarity === loadedSimilarity ? undefined : similarity,
      handoff: (text("handoff") || "NEVER") as HandoffMode,
      handoffHours: hoursOf(form),
      handoffWaitSeconds: number("handoffWaitSeconds"),
      leadFields: form.getAll("leadField").map(String) as LeadField[],
      linkSchedule: text("linkSchedule") || "off",
      widgetTheme: {
        title: text("title") || null,
        primaryColor: text("primaryColor") || null,
        position: (text("position") || null) as WidgetPosition | null,
        language: (text("language") || null) as WidgetLanguage | null,
      },
    },
  };
}

/** A bot's name, reach (public, allowed websites), answering and widget settings. Read-only for members. */
export function BotSettingsForm({ bot, canEdit }: { bot: Bot; canEdit: boolean }) {
  const [result, update] = useMutation(UpdateBot);
  const [isPublic, setPublic] = useState(bot.isPublic);
  const [saved, setSaved] = useState(false);
  const theme = bot.settings.widgetTheme;
  const errorProps = useFieldErrors(result.error);
  const unplaced = messageOutsideFields(result.error);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(false);
    const { data } = await update({ id: bot.id, input: inputOf(new FormData(event.currentTarget), isPublic, bot.settings.minSimilarity) });
    setSaved(Boolean(data));
  }

  return (
    <Form onSubmit={submit} {...errorProps} className="settings">
      <fieldset disabled={!canEdit}>
        <legend>The bot</legend>
        <TextField name="name" defaultValue={bot.name} isRequired maxLength={100} isReadOnly={!canEdit}>
          <Label>Name</Label>
          <Input />
          <FieldError />
        </TextField>
        <TextField name="description" defaultValue={bot.description ?? ""} isReadOnly={!canEdit}>
          <Label>Description</Label>
          <TextArea rows={2} />
          <FieldError />
        </TextField>
      </fieldset>
      <fieldset disabled={!canEdit}>
        <legend>Where it may be used</legend>
        <Switch isSelected={isPublic} onChange={setPublic} isReadOnly={!canEdit}>
          <div className="indicator" /> Public: its keys work from any website
        </Switch>
        <TextField name="allowedDomains" defaultValue={bot.allowedDomains.join("\n")} isReadOnly={!canEdit}>
          <Label>Allowed websites, one per line</Label>
          <TextArea rows={3} />
          <Text slot="description">Host names like shop.example.com, or *.example.com for every subdomain.</Text>
          <FieldError />
        </TextField>
      </fieldset>
      <fieldset disabled={!canEdit}>
        <legend>How it answers</legend>
        <TextField name="chatModel" defaultValue={bot.settings.chatModel ?? ""} isReadOnly={!canEdit}>
          <Label>Chat model</Label>
          <Input placeholder="The server's default" />
          <FieldError />
        </TextField>
        <div className="row">
          <NumberField name="temperature" defaultValue={bot.settings.temperature} minValue={0} maxValue={2} step={0.1} isReadOnly={!canEdit}>
            <Label>Temperature</Label>
            <Input />
            <FieldError />
          </NumberField>
          <NumberField name="topK" defaultValue={bot.settings.topK} minValue={1} maxValue={50} step={1} isReadOnly={!canEdit}>
            <Label>Passages per question (top-k)</Label>
            <Input />
            <FieldError />
          </NumberField>
          <NumberField name="minSimilarity" defaultValue={bot.settings.minSimilarity} minValue={-1} maxValue={1} step={0.05} isReadOnly={!canEdit}>
            <Label>Minimum similarity</Label>
            <Input />
            <Text slot="description">
              {bot.settings.minSimilarityIsDefault ? "The embedder's default." : "Set for this bot; empty it for the embedder's default."}
            </Text>
            <FieldError />
          </NumberField>
        </div>
        <ScheduleSelect label="Read new links again" name="linkSchedule" value={bot.settings.linkSchedule ?? "off"} />
      </fieldset>
      <fieldset disabled={!canEdit}>
        <legend>A person</legend>
        <label className="native">
          Offer visitors a person (the bot's operators, under Live chat)
          <select name="handoff" defaultValue={bot.settings.handoff}>
            <option value="NEVER">Never</option>
            <option value="WHEN_UNANSWERED">When the bot cannot answer</option>
            <option value="ALWAYS">Always</option>
          </select>
        </label>
        <HoursFields hours={bot.settings.handoffHours} />
        <NumberField name="handoffWaitSeconds" defaultValue={bot.settings.handoffWaitSeconds} minValue={10} maxValue={3600} step={10} isReadOnly={!canEdit}>
          <Label>Seconds in the queue before visitors may leave a message instead</Label>
          <Input />
          <FieldError />
        </NumberField>
        <p className="muted">When nobody can come, visitors leave their email and a message; the form also asks:</p>
        <label className="native check">
          <input type="checkbox" name="leadField" value="NAME" defaultChecked={bot.settings.leadFields.includes("NAME")} /> their name
        </label>
        <label className="native check">
          <input type="checkbox" name="leadField" value="PHONE" defaultChecked={bot.settings.leadFields.includes("PHONE")} /> a phone number
        </label>
      </fieldset>
      <fieldset disabled={!canEdit}>
        <legend>The widget</legend>
        <TextField name="greeting" defaultValue={bot.settings.greeting ?? ""} isReadOnly={!canEdit}>
          <Label>Greeting</Label>
          <TextArea rows={2} />
          <FieldError />
        </TextField>
        <div className="row">
          <TextField name="title" defaultValue={theme.title ?? ""} isReadOnly={!canEdit}>
            <Label>Title</Label>
            <Input />
            <FieldError />
          </TextField>
          <label className="native">
            Colour
            <input type="color" name="primaryColor" defaultValue={theme.primaryColor ?? DEFAULT_COLOUR} disabled={!canEdit} />
          </label>
          <label className="native">
            Position
            <select name="position" defaultValue={theme.position ?? "RIGHT"}>
              <option value="RIGHT">Right</option>
              <option value="LEFT">Left</option>
            </select>
          </label>
          <label className="native">
            Language
            <select name="language" defaultValue={theme.language ?? "EN"}>
              {Object.entries(LANGUAGES).map(([code, name]) => (
                <option key={code} value={code}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        </div>
      </fieldset>
      {unplaced && <p role="alert">{unplaced}</p>}
      {saved && <p role="status">Saved.</p>}
      {canEdit && (
        <Button type="submit" className="primary" isDisabled={result.fetching}>
          Save
        </Button>
      )}
    </Form>
  );
}
