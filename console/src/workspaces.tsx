import { Input, Label, TextField, FieldError } from "react-aria-components";
import { CreateWorkspace, RenameWorkspace } from "./operations.js";
import { FormDialog, useDialogMutation } from "./pages/form-dialog.js";

/** The name field of both workspace dialogs. */
function NameField({ defaultValue }: { defaultValue?: string }) {
  return (
    <TextField name="name" isRequired defaultValue={defaultValue} autoFocus>
      <Label>Name</Label>
      <Input />
      <FieldError />
    </TextField>
  );
}

/**
 * Beside the workspace switcher: a new workspace (another business, or a
 * test one), chosen at once; and renaming the current one, for owners and
 * admins.
 */
export function WorkspaceActions({
  current,
  canRename,
  onCreated,
}: {
  current: { id: string; name: string };
  canRename: boolean;
  onCreated: (id: string) => void;
}) {
  const creation = useDialogMutation(
    CreateWorkspace,
    (form) => ({ name: String(form.get("name")).trim() }),
    // The switcher's list (Me) is read again by itself: urql's cache drops queries holding a Workspace after a mutation returns one.
    (data) => onCreated(data.createWorkspace.id),
  );
  const renaming = useDialogMutation(
    RenameWorkspace,
    (form) => ({ id: current.id, name: String(form.get("name")).trim() }),
    () => {},
  );
  return (
    <>
      {canRename && (
        <FormDialog
          trigger="Rename"
          triggerLabel={`Rename ${current.name}`}
          title={`Rename ${current.name}`}
          submitLabel="Rename"
          done="Workspace renamed."
          {...renaming}
        >
          <NameField defaultValue={current.name} />
        </FormDialog>
      )}
      <FormDialog trigger="New workspace" title="New workspace" submitLabel="Create workspace" done="Workspace created: you are in it now." {...creation}>
        <p className="muted">A workspace of its own bots, keys and members, which you own. Switch between them above.</p>
        <NameField />
      </FormDialog>
    </>
  );
}
