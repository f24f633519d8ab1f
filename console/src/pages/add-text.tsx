import { FieldError, Input, Label, TextArea, TextField } from "react-aria-components";
import { AddTextSource } from "../operations.js";
import { FormDialog, useDialogMutation } from "./form-dialog.js";

/** Text typed in as a source; from the gaps inbox, with the missed question as its title. */
export function AddText({ botId, onAdded, trigger = "Add text", title }: { botId: string; onAdded: () => void; trigger?: string; title?: string }) {
  const addition = useDialogMutation(AddTextSource, (form) => ({ botId, title: String(form.get("title")), text: String(form.get("text")) }), onAdded);
  return (
    <FormDialog trigger={trigger} title="Add text" submitLabel="Add" done="Text added: it is being read." {...addition}>
      <TextField name="title" isRequired autoFocus defaultValue={title}>
        <Label>Title (visitors see it when the bot cites this)</Label>
        <Input />
        <FieldError />
      </TextField>
      <TextField name="text" isRequired>
        <Label>Text</Label>
        <TextArea rows={8} />
        <FieldError />
      </TextField>
    </FormDialog>
  );
}
