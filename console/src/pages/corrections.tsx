import { useState } from "react";
import { Button, FieldError, FileTrigger, Input, Label, SearchField, Switch, TextArea, TextField } from "react-aria-components";
import { useClient, useMutation, useQuery } from "urql";
import type { CorrectionFieldsFragment } from "../gql/graphql.js";
import { messageOf } from "../errors.js";
import { FIRST_PAGE, useAddress, useAddressChoice } from "../address.js";
import { FilterGroup } from "../filter.js";
import { Corrections, CorrectionsCsv, CreateCorrection, DeleteCorrection, ImportCorrections, UpdateCorrection } from "../operations.js";
import { Pager, usePaging } from "../pager.js";
import { Confirm } from "./confirm.js";
import { FormDialog, useDialogMutation } from "./form-dialog.js";
import { when } from "../dates.js";

const SHOWN: ["active" | "off" | null, string][] = [
  [null, "All"],
  ["active", "Active"],
  ["off", "Switched off"],
];

/** A correction's fields in a form: its question, other phrasings (one per line), and the answer. */
function CorrectionFieldsForm({ question, phrasings, answer }: { question?: string; phrasings?: readonly string[]; answer?: string }) {
  return (
    <>
      <TextField name="question" defaultValue={question} isRequired>
        <Label>The visitor's question</Label>
        <Input />
        <FieldError />
      </TextField>
      <TextField name="phrasings" defaultValue={phrasings?.join("\n")}>
        <Label>Other ways to ask it (one per line)</Label>
        <TextArea rows={3} />
        <FieldError />
      </TextField>
      <TextField name="answer" defaultValue={answer} isRequired>
        <Label>The answer it must get</Label>
        <TextArea rows={5} />
        <FieldError />
      </TextField>
    </>
  );
}

function inputOf(form: FormData) {
  return {
    question: String(form.get("question") ?? ""),
    answer: String(form.get("answer") ?? ""),
    phrasings: String(form.get("phrasings") ?? "")
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean),
  };
}

/**
 * "Correct this answer": the visitor's question and the bot's answer,
 * filled in, ready to be put right. From a transcript or the playground.
 */
export function CorrectThisAnswer({ botId, question, answer, onDone }: { botId: string; question: string; answer: string; onDone?: () => void }) {
  const dialog = useDialogMutation(CreateCorrection, (form) => ({ botId, input: inputOf(form) }), onDone ?? (() => {}));
  return (
    <FormDialog
      trigger="Correct this answer"
      triggerClassName="link-button"
      title="Correct this answer"
      submitLabel="Save the correction"
      done="Correction saved: the bot answers with it from now on."
      {...dialog}
    >
      <p className="muted">Visitors who ask this question, or one that asks the same, will get your answer instead of the bot's.</p>
      <CorrectionFieldsForm question={question} answer={answer} />
    </FormDialog>
  );
}

/** A correction written from a gaps topic: its questions filled in (the first as the question, the rest as phrasings). */
export function WriteCorrection({ botId, questions, onDone }: { botId: string; questions: readonly string[]; onDone: () => void }) {
  const dialog = useDialogMutation(CreateCorrection, (form) => ({ botId, input: inputOf(form) }), onDone);
  return (
    <FormDialog trigger="Write a correction" title="Write a correction" submitLabel="Save the correction" done="Correction saved." {...dialog}>
      <p className="muted">Visitors who ask any of these questions, or one that asks the same, will get your answer.</p>
      <CorrectionFieldsForm question={questions[0]} phrasings={questions.slice(1, 21)} />
    </FormDialog>
  );
}

function NewCorrection({ botId, onDone }: { botId: string; onDone: () => void }) {
  const dialog = useDialogMutation(CreateCorrection, (form) => ({ botId, input: inputOf(form) }), onDone);
  return (
    <FormDialog
      trigger="New correction"
      triggerClassName="primary"
      title="New correction"
      submitLabel="Save the correction"
      done="Correction saved."
      {...dialog}
    >
      <CorrectionFieldsForm />
    </FormDialog>
  );
}

function CorrectionRow({ correction, canEdit, onChanged }: { correction: CorrectionFieldsFragment; canEdit: boolean; onChanged: () => void }) {
  const edit = useDialogMutation(UpdateCorrection, (form) => ({ id: correction.id, input: inputOf(form) }), onChanged);
  const [, update] = useMutation(UpdateCorrection);
  const [, remove] = useMutation(DeleteCorrection);
  return (
    <tr>
      <th scope="row" data-label="Question">
        {correction.question}
        {correction.phrasings.length > 0 && (
          <div className="muted">
            and {correction.phrasings.length} other {correction.phrasings.length === 1 ? "phrasing" : "phrasings"}
          </div>
        )}
      </th>
      <td data-label="Answer">{correction.answer}</td>
      <td data-label="Answered">
        {correction.hitCount}
        {correction.lastHitAt && <div className="muted">last {when(correction.lastHitAt)}</div>}
      </td>
      <td data-label="Status">
        {canEdit ? (
          <Switch isSelected={correction.isActive} onChange={(isActive) => void update({ id: correction.id, input: { isActive } })}>
            <div className="indicator" /> Active
          </Switch>
        ) : (
          <span>{correction.isActive ? "active" : "switched off"}</span>
        )}
      </td>
      {canEdit && (
        <td data-label="Actions">
          <div className="actions">
            <FormDialog
              trigger="Edit"
              triggerLabel={`Edit the correction of “${correction.question}”`}
              title="Edit the correction"
              submitLabel="Save"
              {...edit}
            >
              <CorrectionFieldsForm question={correction.question} phrasings={correction.phrasings} answer={correction.answer} />
            </FormDialog>
            <Confirm
              label="Delete"
              done="Correction deleted."
              title="Delete this correction?"
              body="Visitors asking this question get the bot's own answer again. Answers it gave keep their text."
              onConfirm={async () => {
                const result = await remove({ id: correction.id });
                onChanged();
                return result;
              }}
            />
          </div>
        </td>
      )}
    </tr>
  );
}

/** Moves corrections in and out as CSV: the same columns both ways. */
function CsvButtons({ botId, canEdit, onImported }: { botId: string; canEdit: boolean; onImported: (count: number) => void }) {
  const client = useClient();
  const [imported, importCsv] = useMutation(ImportCorrections);
  async function download() {
    const { data } = await client.query(CorrectionsCsv, { botId }, { requestPolicy: "network-only" }).toPromise();
    if (!data) return;
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([data.bot.correctionsCsv], { type: "text/csv" }));
    link.download = "corrections.csv";
    link.click();
    URL.revokeObjectURL(link.href);
  }
  return (
    <div className="row">
      <Button onPress={() => void download()}>Export CSV</Button>
      {canEdit && (
        <FileTrigger
          acceptedFileTypes={["text/csv", ".csv"]}
          onSelect={async (files) => {
            const file = files?.[0];
            if (!file) return;
            const { data } = await importCsv({ botId, csv: await file.text() });
            if (data) onImported(data.importCorrections.length);
          }}
        >
          <Button isDisabled={imported.fetching}>Import CSV</Button>
        </FileTrigger>
      )}
      {imported.error && <p role="alert">{messageOf(imported.error)}</p>}
    </div>
  );
}

/**
 * The owner's corrections of this bot's answers: what visitors asking a
 * question (or one that asks the same) get instead of the bot's own answer,
 * with how often each answered.
 */
export function CorrectionsPanel({ botId, canEdit }: { botId: string; canEdit: boolean }) {
  const paging = usePaging();
  const [address, change] = useAddress();
  const search = address.get("q") ?? "";
  const [shown, setShown] = useAddressChoice(
    "show",
    SHOWN.map(([value]) => value),
  );
  const [notice, setNotice] = useState<string | null>(null);
  const [{ data, error, fetching }, refetch] = useQuery({
    query: Corrections,
    variables: { botId, search: search || null, active: shown === null ? null : shown === "active", ...paging.variables },
    requestPolicy: "cache-and-network",
  });
  const reload = () => refetch({ requestPolicy: "network-only" });
  if (error) return <p role="alert">{messageOf(error)}</p>;
  if (!data) return <p aria-busy="true">Loading…</p>;
  const corrections = data.bot.corrections;
  return (
    <div className="corrections">
      <div className="row toolbar">
        <SearchField aria-label="Search corrections" value={search} onChange={(value) => change({ q: value, ...FIRST_PAGE }, { replace: true })}>
          <Input placeholder="Search questions and answers" />
        </SearchField>
        {canEdit && <NewCorrection botId={botId} onDone={reload} />}
        <CsvButtons botId={botId} canEdit={canEdit} onImported={(count) => (setNotice(`Imported ${count} corrections.`), reload())} />
      </div>
      {notice && <p role="status">{notice}</p>}
      <FilterGroup label="Show corrections" options={SHOWN} value={shown} onChange={setShown} />
      {corrections.edges.length === 0 ? (
        <p>
          {search || shown !== null
            ? "No correction matches."
            : "No corrections yet. When the bot gets a question wrong, correct its answer here, or from the conversation with “Correct this answer”."}
        </p>
      ) : (
        <table className="sources" aria-label="Corrections" tabIndex={0}>
          <thead>
            <tr>
              <th scope="col">Question</th>
              <th scope="col">Answer</th>
              <th scope="col">Answered</th>
              <th scope="col">Status</th>
              {canEdit && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {corrections.edges.map(({ node }) => (
              <CorrectionRow key={node.id} correction={node} canEdit={canEdit} onChanged={reload} />
            ))}
          </tbody>
        </table>
      )}
      <Pager
        label="Pages of corrections"
        count={corrections.totalCount}
        noun={["correction", "corrections"]}
        pageInfo={corrections.pageInfo}
        busy={fetching}
        onPage={paging.set}
      />
    </div>
  );
}
