import { useState } from "react";
import { Checkbox, FieldError, Input, Label, NumberField, Text, TextField } from "react-aria-components";
import { useMutation } from "urql";
import { AddLinkSource } from "../operations.js";
import { FormDialog } from "./form-dialog.js";

/** A web page, and optionally the pages it links to (to a depth) or its sitemap's. */
export function AddLink({ botId, onAdded }: { botId: string; onAdded: () => void }) {
  const [result, add] = useMutation(AddLinkSource);
  const [sitemap, setSitemap] = useState(false);
  return (
    <FormDialog
      trigger="Add a link"
      title="Add a link"
      submitLabel="Add"
      error={result.error}
      busy={result.fetching}
      onSubmit={async (form) => {
        const link = { url: String(form.get("url")).trim(), sitemap, maxDepth: sitemap ? null : Number(form.get("maxDepth")), maxPages: Number(form.get("maxPages")) };
        const { data } = await add({ botId, link });
        if (data) onAdded();
        return Boolean(data);
      }}
    >
      <TextField name="url" type="url" isRequired autoFocus>
        <Label>Address</Label>
        <Input placeholder="https://example.com/help" />
        <FieldError />
      </TextField>
      <Checkbox isSelected={sitemap} onChange={setSitemap}>
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
    </FormDialog>
  );
}
