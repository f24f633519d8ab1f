import { useState } from "react";
import { Checkbox, FieldError, Input, Label, NumberField, Text, TextField } from "react-aria-components";
import { AddLinkSource, UpdateSource } from "../operations.js";
import { FormDialog, useDialogMutation } from "./form-dialog.js";

/** The address and crawl settings of a link, from the dialog's fields. */
function linkOf(form: FormData, sitemap: boolean) {
  return { url: String(form.get("url")).trim(), sitemap, maxDepth: sitemap ? null : Number(form.get("maxDepth")), maxPages: Number(form.get("maxPages")) };
}

/** A web page, and optionally the pages it links to (to a depth) or its sitemap's. */
export function AddLink({ botId, onAdded }: { botId: string; onAdded: () => void }) {
  const [sitemap, setSitemap] = useState(false);
  const addition = useDialogMutation(AddLinkSource, (form) => ({ botId, link: linkOf(form, sitemap) }), onAdded);
  return (
    <FormDialog trigger="Add a link" title="Add a link" submitLabel="Add" {...addition}>
      <LinkFields sitemap={sitemap} onSitemap={setSitemap} />
    </FormDialog>
  );
}

/** A link source's new address or crawl settings; its pages keep answering until the new ones replace them. */
export function ChangeLink({ source, onChanged }: { source: { id: string; name: string; url?: string | null }; onChanged: () => void }) {
  const [sitemap, setSitemap] = useState(false);
  const change = useDialogMutation(UpdateSource, (form) => ({ id: source.id, link: linkOf(form, sitemap) }), onChanged);
  return (
    <FormDialog trigger="Change" triggerLabel={`Change ${source.name}`} title={`Change ${source.name}`} submitLabel="Read it again" {...change}>
      <LinkFields sitemap={sitemap} onSitemap={setSitemap} url={source.url ?? undefined} />
    </FormDialog>
  );
}

function LinkFields({ sitemap, onSitemap, url }: { sitemap: boolean; onSitemap: (on: boolean) => void; url?: string }) {
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
        <NumberField name="maxPages" defaultValue={20} minValue={1} maxValue={500}>
          <Label>At most this many pages</Label>
          <Input />
          <FieldError />
        </NumberField>
      </div>
    </>
  );
}
