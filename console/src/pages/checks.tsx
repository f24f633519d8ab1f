import { useEffect } from "react";
import { Button, Checkbox, FieldError, Input, Label, TextArea, TextField } from "react-aria-components";
import { useMutation, useQuery } from "urql";
import type { ChecksQuery } from "../gql/graphql.js";
import { messageOf } from "../errors.js";
import { Checks, CreateCheck, DeleteCheck, RunChecks, UpdateCheck } from "../operations.js";
import { Confirm } from "./confirm.js";
import { FormDialog, useDialogMutation } from "./form-dialog.js";
import { when } from "../dates.js";

type Check = ChecksQuery["bot"]["checks"]["edges"][number]["node"];
type Run = ChecksQuery["bot"]["checkRuns"]["edges"][number]["node"];

/** A saved check's fields: the question, and the phrases its answer must hold or that it must be refused. */
function CheckFields({ check }: { check?: Check }) {
  return (
    <>
      <TextField name="question" defaultValue={check?.question} isRequired>
        <Label>Question</Label>
        <Input />
        <FieldError />
      </TextField>
      <TextField name="mustContain" defaultValue={check?.mustContain.join("\n")}>
        <Label>The answer must contain one of (one per line)</Label>
        <TextArea rows={3} />
        <FieldError />
      </TextField>
      <Checkbox name="refuses" defaultSelected={check?.kind === "REFUSES"}>
        <div className="box" aria-hidden="true" /> Or: the bot must say its sources do not cover it
      </Checkbox>
    </>
  );
}

function inputOf(form: FormData) {
  const refuses = form.get("refuses") !== null;
  return {
    question: String(form.get("question") ?? ""),
    refuses,
    mustContain: refuses
      ? []
      : String(form.get("mustContain") ?? "")
          .split("\n")
          .map((line) => line.trim())
          .filter(Boolean),
  };
}

function expectationOf(check: Check): string {
  if (check.kind === "CORRECTION") return check.correction?.isActive === false ? "its correction's answer (switched off: not run)" : "its correction's answer";
  if (check.kind === "REFUSES") return "a refusal";
  return `contains ${check.mustContain.map((phrase) => `“${phrase}”`).join(" or ")}`;
}

function Outcome({ result }: { result: Check["lastResult"] }) {
  if (!result) return <span className="muted">not run yet</span>;
  return (
    <>
      <span className={`status ${result.passed ? "status-synced" : "status-error"}`}>
        {result.regression ? "regression" : result.passed ? "passed" : "failed"}
      </span>
      {!result.passed && <div className="muted">{result.answer.slice(0, 160)}</div>}
    </>
  );
}

function CheckRow({ check, canEdit, onChanged }: { check: Check; canEdit: boolean; onChanged: () => void }) {
  const edit = useDialogMutation(UpdateCheck, (form) => ({ id: check.id, input: inputOf(form) }), onChanged);
  const [, remove] = useMutation(DeleteCheck);
  return (
    <tr>
      <th scope="row" data-label="Question">
        {check.question}
      </th>
      <td data-label="Must get">{expectationOf(check)}</td>
      <td data-label="Last run">
        <Outcome result={check.lastResult} />
      </td>
      {canEdit && (
        <td data-label="Actions">
          {check.kind === "CORRECTION" ? (
            <span className="muted">edit its correction</span>
          ) : (
            <div className="actions">
              <FormDialog
                trigger="Edit"
                triggerLabel={`Edit the check “${check.question}”`}
                title="Edit the check"
                submitLabel="Save"
                done="Check saved."
                {...edit}
              >
                <CheckFields check={check} />
              </FormDialog>
              <Confirm
                label="Delete"
                done="Check deleted."
                title="Delete this check?"
                body="It will not be run again; its past results go with it."
                onConfirm={async () => {
                  const result = await remove({ id: check.id });
                  onChanged();
                  return result;
                }}
              />
            </div>
          )}
        </td>
      )}
    </tr>
  );
}

/** The latest run: how it went, and what changed since the run before. */
function LastRun({ run }: { run: Run | undefined }) {
  if (!run) return <p className="muted">The checks have not run yet.</p>;
  const changes = run.results.edges.map((e) => e.node);
  return (
    <section aria-label="Last run" className="last-run">
      <p role="status">
        {run.status === "RUNNING"
          ? `Running… ${run.trigger === "SYNC" ? "(after a sync)" : ""}`
          : `${run.status === "FAILED" ? "Stopped before the end" : "Last run"} ${when(run.finishedAt ?? run.startedAt)}${run.trigger === "SYNC" ? ", after a sync" : ""}: ${run.passed} passed, ${run.failed} failed of ${run.total}.`}
        {run.regressions > 0 && <strong className="regressions"> {run.regressions} passed before and fail now.</strong>}
        {run.fixed > 0 && <span> {run.fixed} failed before and pass now.</span>}
      </p>
      {changes.length > 0 && (
        <ul aria-label="What changed since the run before">
          {changes.map((result) => (
            <li key={result.id}>
              <span className={`status ${result.regression ? "status-error" : "status-synced"}`}>{result.regression ? "now fails" : "now passes"}</span>{" "}
              {result.check.question}
              {result.regression && <div className="muted">Answered: {result.answer.slice(0, 200)}</div>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/**
 * A bot's checks: every correction, and questions saved with what their
 * answers must be. Run on demand, and by Parley after each sync of the
 * bot's sources; a check that passed and fails now is shown as a regression.
 */
export function ChecksPanel({ botId, canEdit }: { botId: string; canEdit: boolean }) {
  const [{ data, error }, refetch] = useQuery({ query: Checks, variables: { botId }, requestPolicy: "cache-and-network" });
  const [started, run] = useMutation(RunChecks);
  const reload = () => refetch({ requestPolicy: "network-only" });
  const latest = data?.bot.checkRuns.edges[0]?.node;
  const create = useDialogMutation(CreateCheck, (form) => ({ botId, input: inputOf(form) }), reload);
  // Read again every second while a run goes on, and every five otherwise: a sync starts runs too.
  const running = latest?.status === "RUNNING" || started.fetching;
  useEffect(() => {
    const timer = setInterval(() => refetch({ requestPolicy: "network-only" }), running ? 1000 : 5000);
    return () => clearInterval(timer);
  }, [running, refetch]);

  if (error) return <p role="alert">{messageOf(error)}</p>;
  if (!data) return <p aria-busy="true">Loading…</p>;
  const checks = data.bot.checks.edges.map((e) => e.node);
  return (
    <div className="checks">
      {canEdit && (
        <div className="row">
          <Button className="primary" isDisabled={running || checks.length === 0} onPress={() => void run({ botId }).then(reload)}>
            {running ? "Running…" : "Run the checks"}
          </Button>
          <FormDialog trigger="New check" title="New check" submitLabel="Save the check" done="Check saved." {...create}>
            <CheckFields />
          </FormDialog>
        </div>
      )}
      {started.error && <p role="alert">{messageOf(started.error)}</p>}
      <LastRun run={latest} />
      {checks.length === 0 ? (
        <p>No checks yet. Every correction is one; save questions here with what their answers must say.</p>
      ) : (
        <table className="sources" aria-label="Checks" tabIndex={0}>
          <thead>
            <tr>
              <th scope="col">Question</th>
              <th scope="col">Must get</th>
              <th scope="col">Last run</th>
              {canEdit && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {checks.map((check) => (
              <CheckRow key={check.id} check={check} canEdit={canEdit} onChanged={reload} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
