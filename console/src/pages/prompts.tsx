import { useState, type FormEvent } from "react";
import { Button, Dialog, DialogTrigger, Form, Heading, Input, Label, Modal, Radio, RadioGroup, Switch, TextArea, TextField } from "react-aria-components";
import { useMutation, useQuery, type CombinedError } from "urql";
import type { PromptFieldsFragment, PromptType } from "../gql/graphql.js";
import { fieldErrors, messageOf, useFieldErrors } from "../errors.js";
import { CreatePrompt, DeletePrompt, Prompts, ReorderPrompts, UpdatePrompt } from "../operations.js";
import { Confirm } from "./confirm.js";

type Prompt = PromptFieldsFragment;

const PLACEHOLDERS = ["question", "context", "history"];

/**
 * A user template's placeholders as the author types: {question} is
 * required, {context} and {history} optional, anything else refused. The
 * API applies the same rule when the template is saved.
 */
function TemplateRules({ text }: { text: string }) {
  const used = new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!));
  const unknown = [...used].filter((name) => !PLACEHOLDERS.includes(name));
  return (
    <ul className="rules" aria-label="Placeholders" aria-live="polite">
      <li className={used.has("question") ? "ok" : "missing"}>
        {`{question}`}: the visitor's question, required{used.has("question") ? " ✓" : " (missing)"}
      </li>
      <li className={used.has("context") ? "ok" : ""}>
        {`{context}`}: the passages found, optional{used.has("context") ? " ✓" : ""}
      </li>
      <li className={used.has("history") ? "ok" : ""}>
        {`{history}`}: the conversation so far, optional{used.has("history") ? " ✓" : ""}
      </li>
      {unknown.map((name) => (
        <li key={name} className="missing">
          {`{${name}}`}: not a placeholder Parley knows
        </li>
      ))}
    </ul>
  );
}

/** Type, name and text of a prompt, for a new one or an edit; the rules follow the text. */
function PromptForm({
  prompt,
  submitLabel,
  error,
  busy,
  onSubmit,
  onCancel,
}: {
  prompt?: Prompt;
  submitLabel: string;
  error: CombinedError | undefined;
  busy: boolean;
  onSubmit: (values: { type: PromptType; name: string | null; text: string }) => void;
  /** Leaves without saving (an edit's dialog). */
  onCancel?: () => void;
}) {
  const [type, setType] = useState<PromptType>(prompt?.type ?? "SYSTEM");
  const [text, setText] = useState(prompt?.text ?? "");
  const errorProps = useFieldErrors(error);
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get("name") ?? "").trim();
    onSubmit({ type, name: name || null, text });
  }
  return (
    <Form onSubmit={submit} {...errorProps}>
      <RadioGroup value={type} onChange={(value) => setType(value as PromptType)} orientation="horizontal">
        <Label>Kind</Label>
        <Radio value="SYSTEM">System prompt (instructions)</Radio>
        <Radio value="USER_TEMPLATE">User template (wraps each question)</Radio>
      </RadioGroup>
      <TextField name="name" defaultValue={prompt?.name ?? ""}>
        <Label>Name (for your team)</Label>
        <Input />
      </TextField>
      <TextField name="text" value={text} onChange={setText} isRequired>
        <Label>Text</Label>
        <TextArea rows={6} />
      </TextField>
      {type === "USER_TEMPLATE" && <TemplateRules text={text} />}
      {error && <p role="alert">{fieldErrors(error).text ?? messageOf(error)}</p>}
      <div className="actions">
        {onCancel && <Button onPress={onCancel}>Cancel</Button>}
        <Button type="submit" className="primary" isDisabled={busy}>
          {submitLabel}
        </Button>
      </div>
    </Form>
  );
}

/** A bot's prompts in order: system prompts first, then its user templates; reordered, switched on and off, edited. */
export function PromptsPanel({ botId, canEdit }: { botId: string; canEdit: boolean }) {
  const [{ data, error }, refetch] = useQuery({ query: Prompts, variables: { botId } });
  const [created, create] = useMutation(CreatePrompt);
  const [, reorder] = useMutation(ReorderPrompts);
  const [, update] = useMutation(UpdatePrompt);
  const [, remove] = useMutation(DeletePrompt);
  const [formKey, setFormKey] = useState(0);
  const reload = () => refetch({ requestPolicy: "network-only" });

  if (error) return <p role="alert">{messageOf(error)}</p>;
  if (!data) return <p aria-busy="true">Loading…</p>;
  const prompts = data.bot.prompts.edges.map((e) => e.node).sort((a, b) => a.type.localeCompare(b.type) || a.order - b.order);

  async function move(prompt: Prompt, by: -1 | 1) {
    const ofType = prompts.filter((p) => p.type === prompt.type);
    const from = ofType.indexOf(prompt);
    const to = from + by;
    if (to < 0 || to >= ofType.length) return;
    [ofType[from], ofType[to]] = [ofType[to]!, ofType[from]!];
    const ids = [...prompts.filter((p) => p.type !== prompt.type), ...ofType].map((p) => p.id);
    await reorder({ botId, promptIds: ids });
    reload();
  }

  return (
    <div className="prompts">
      {prompts.length === 0 && <p>No prompts yet: the bot uses Parley's default instructions and template.</p>}
      <ol className="prompt-list" aria-label="Prompts">
        {prompts.map((prompt) => {
          const siblings = prompts.filter((p) => p.type === prompt.type);
          const index = siblings.indexOf(prompt);
          return (
            <li key={prompt.id} aria-label={prompt.name ?? prompt.text.slice(0, 40)}>
              <div className="prompt-head">
                <strong>{prompt.name ?? (prompt.type === "SYSTEM" ? "System prompt" : "User template")}</strong>
                <span className="muted">{prompt.type === "SYSTEM" ? `system, #${index + 1}` : "user template"}</span>
                {canEdit ? (
                  <Switch
                    aria-label={`Use ${prompt.name ?? (prompt.type === "SYSTEM" ? `system prompt #${index + 1}` : "the user template")}`}
                    isSelected={prompt.isActive}
                    onChange={async (isActive) => {
                      await update({ id: prompt.id, input: { isActive } });
                      reload();
                    }}
                  >
                    <div className="indicator" /> {prompt.isActive ? "In use" : "Not in use"}
                  </Switch>
                ) : (
                  <span>{prompt.isActive ? "in use" : "not in use"}</span>
                )}
              </div>
              <pre className="prompt-text">{prompt.text}</pre>
              {canEdit && (
                <div className="actions">
                  <Button aria-label={`Move ${prompt.name ?? "prompt"} up`} isDisabled={index === 0} onPress={() => move(prompt, -1)}>
                    ↑
                  </Button>
                  <Button aria-label={`Move ${prompt.name ?? "prompt"} down`} isDisabled={index === siblings.length - 1} onPress={() => move(prompt, 1)}>
                    ↓
                  </Button>
                  <EditPrompt prompt={prompt} onSaved={reload} />
                  <Confirm
                    label="Delete"
                    done="Prompt deleted."
                    title="Delete this prompt?"
                    body="The bot stops using it."
                    onConfirm={async () => {
                      const result = await remove({ id: prompt.id });
                      reload();
                      return result;
                    }}
                  />
                </div>
              )}
            </li>
          );
        })}
      </ol>
      {canEdit && (
        <section aria-label="New prompt" className="new-prompt">
          <h3>New prompt</h3>
          <PromptForm
            key={formKey}
            submitLabel="Add prompt"
            error={created.error}
            busy={created.fetching}
            onSubmit={async (values) => {
              const { data } = await create({ botId, input: values });
              if (data) {
                setFormKey((k) => k + 1);
                reload();
              }
            }}
          />
        </section>
      )}
    </div>
  );
}

function EditPrompt({ prompt, onSaved }: { prompt: Prompt; onSaved: () => void }) {
  const [result, update] = useMutation(UpdatePrompt);
  return (
    <DialogTrigger>
      <Button>Edit</Button>
      <Modal isDismissable>
        <Dialog>
          {({ close }) => (
            <>
              <Heading slot="title">Edit prompt</Heading>
              <PromptForm
                prompt={prompt}
                submitLabel="Save"
                error={result.error}
                busy={result.fetching}
                onCancel={close}
                onSubmit={async (values) => {
                  const { data } = await update({ id: prompt.id, input: values });
                  if (data) {
                    onSaved();
                    close();
                  }
                }}
              />
            </>
          )}
        </Dialog>
      </Modal>
    </DialogTrigger>
  );
}
