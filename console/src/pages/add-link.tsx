import { useState } from "react";
import { Checkbox, FieldError, Input, Label, NumberField, Text, TextField } from "react-aria-components";
import { AddLinkSource, UpdateSource } from "../operations.js";
import { FormDialog, useDialogMutation } from "./form-dialog.js";

/** When a link is read again; "bot" leaves it to the bot's setting for new links. */
const SCHEDULES: [string, string][] = [
  ["off", "Only when I ask"],
  ["hourly", "Every hour"],
  ["daily", "Every day"],
  ["weekly", "Every week"],
];

/** The address, crawl settings and schedule of a link, from the dialog's fields. */
function linkOf(form: FormData, sitemap: boolean) {
  const schedule = String(form.get("schedule"));
  return {
    url: String(form.get("url")).trim(),
    sitemap,
    maxDepth: sitemap ? null : Number(form.get("maxDepth")),
    maxPages: Number(form.get("maxPages")),
    ...(schedule !== "bot" && { schedule }),
  };
}

/** How a schedule reads in a list: the preset's words, or the cron expression. */
export function scheduleLabel(schedule: string | null | undefined): string {
  if (!schedule) return "read when asked";
  return SCHEDULES.find(([value]) => value === schedule)?.[1].toLowerCase() ?? `cron ${schedule} (UTC)`;
}

/** A web page, and optionally the pages it links to (to a depth) or its sitemap's. */
export function AddLink({ botId, onAdded }: { botId: string; onAdded: () => void }) {
  const [sitemap, setSitemap] = useState(false);
  const addition = useDialogMutation(AddLinkSource, (form) => ({ botId, link: linkOf(form, sitemap) }), onAdded);
  return (
    <FormDialog trigger="Add a link" title="Add a link" submitLabel="Add" done="Link added: it is being read." {...addition}>
      <LinkFields sitemap={sitemap} onSitemap={setSitemap} schedule="bot" />
    </FormDialog>
  );
}

/** A link source's new address or crawl settings; its pages keep answering until the new ones replace them. */
export function ChangeLink({
  source,
  onChanged,
}: {
  source: { id: string; name: string; url?: string | null; syncSchedule?: string | null };
  onChanged: () => void;
}) {
  const [sitemap, setSitemap] = useState(false);
  const change = useDialogMutation(UpdateSource, (form) => ({ id: source.id, link: linkOf(form, sitemap) }), onChanged);
  return (
    <FormDialog
      trigger="Change"
      triggerLabel={`Change ${source.name}`}
      title={`Change ${source.name}`}
      submitLabel="Read it again"
      done="Address changed: the link is being read again."
      {...change}
    >
      <LinkFields sitemap={sitemap} onSitemap={setSitemap} url={source.url ?? undefined} schedule={source.syncSchedule ?? "off"} />
    </FormDialog>
  );
}

function LinkFields({ sitemap, onSitemap, url, schedule }: { sitemap: boolean; onSitemap: (on: boolean) => void; url?: string; schedule: string }) {
  return (
    <>
      <TextField name="url" type="url" isRequired autoFocus defaultValue={url}>
        <Label>Address</Label>
        <Input placeholder="https://example.com/help" />
        <FieldError />
      </TextField>
      <Checkbox isSelected={sitemap} onChange={onSitemap}>
        <div className="box" aria-hidden="true" /> Read the pages its site's sitemap lists
      </Checkbox>
      <div className="row">
        <NumberField name="maxDepth" defaultValue={0} minValue={0} maxValue={5} isDisabled={sitemap}>
          <Label>Follow links this deep</Label>
          <Input />
          <Text slot="description">0: only this page</Text>
          <FieldError />
        </NumberField>
        <NumberField name="maxPages" defaultValue={20} minValue={1} maxValue={1000}>
          <Label>At most this many pages</Label>
          <Input />
          <FieldError />
        </NumberField>
      </div>
      <ScheduleSelect label="Read it again" name="schedule" value={schedule} />
    </>
  );
}

/**
 * A schedule to choose: the presets, the current cron expression when there
 * is one, and ("bot") leaving it to the bot's setting for new links.
 */
export function ScheduleSelect({ label, name, value }: { label: string; name: string; value: string }) {
  const known = value === "bot" || SCHEDULES.some(([preset]) => preset === value);
  return (
    <label className="native">
      {label}
      <select name={name} defaultValue={value}>
        {value === "bot" && <option value="bot">As the bot's settings say</option>}
        {!known && <option value={value}>{scheduleLabel(value)}</option>}
        {SCHEDULES.map(([preset, text]) => (
          <option key={preset} value={preset}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}
