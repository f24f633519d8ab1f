import type { FormEvent } from "react";
import { Button, Form, Input, Label, TextField } from "react-aria-components";
import { useMutation, useQuery } from "urql";
import type { Role } from "../gql/graphql.js";
import { messageOf } from "../errors.js";
import { AddMember, ChangeMemberRole, Members, RemoveMember } from "../operations.js";
import { useWorkspace } from "../shell.js";
import { Confirm } from "./confirm.js";

const ROLES: [Role, string][] = [
  ["OWNER", "Owner: everything, members included"],
  ["ADMIN", "Admin: bots, sources, prompts and keys"],
  ["MEMBER", "Member: sees everything, changes nothing"],
];

/** Who is in the workspace, and (for owners) adding, re-roling and removing them. */
export function MembersPage() {
  const workspace = useWorkspace();
  const isOwner = workspace.role === "OWNER";
  const [{ data, error }, refetch] = useQuery({ query: Members, variables: { workspaceId: workspace.id } });
  const [added, add] = useMutation(AddMember);
  const [changed, change] = useMutation(ChangeMemberRole);
  const [removed, remove] = useMutation(RemoveMember);
  const reload = () => refetch({ requestPolicy: "network-only" });

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const fields = new FormData(form);
    const { data } = await add({ workspaceId: workspace.id, email: String(fields.get("email")).trim(), role: String(fields.get("role")) as Role });
    if (data) {
      form.reset();
      reload();
    }
  }

  if (error) return <p role="alert">{messageOf(error)}</p>;
  if (!data) return <p aria-busy="true">Loading…</p>;
  const problem = messageOf(added.error ?? changed.error ?? removed.error);
  return (
    <section aria-labelledby="members-heading">
      <h1 id="members-heading">Members of {workspace.name}</h1>
      {isOwner && (
        <Form onSubmit={submit} className="row" aria-label="Add a member">
          <TextField name="email" type="email" isRequired>
            <Label>Email of someone with a Parley account</Label>
            <Input />
          </TextField>
          <label className="native">
            Role
            <select name="role" defaultValue="MEMBER">
              {ROLES.map(([role, label]) => (
                <option key={role} value={role}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <Button type="submit" className="primary" isDisabled={added.fetching}>
            Add member
          </Button>
        </Form>
      )}
      {problem && <p role="alert">{problem}</p>}
      <table className="sources" aria-label="Members">
        <thead>
          <tr>
            <th scope="col">Who</th>
            <th scope="col">Role</th>
            <th scope="col">Since</th>
            {isOwner && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {data.workspace.members.edges.map(({ node: m }) => (
            <tr key={m.id}>
              <th scope="row">
                {m.user.name ?? m.user.email}
                {m.user.name && <div className="muted">{m.user.email}</div>}
              </th>
              <td>
                {isOwner ? (
                  <select
                    aria-label={`Role of ${m.user.email}`}
                    value={m.role}
                    onChange={async (event) => {
                      await change({ workspaceId: workspace.id, userId: m.user.id, role: event.target.value as Role });
                      reload();
                    }}
                  >
                    {ROLES.map(([role]) => (
                      <option key={role} value={role}>
                        {role.toLowerCase()}
                      </option>
                    ))}
                  </select>
                ) : (
                  m.role.toLowerCase()
                )}
              </td>
              <td>{new Date(m.createdAt).toLocaleDateString()}</td>
              {isOwner && (
                <td>
                  <Confirm
                    label="Remove"
                    title={`Remove ${m.user.email}?`}
                    body="They lose access to this workspace's bots at once."
                    onConfirm={async () => {
                      const { data } = await remove({ workspaceId: workspace.id, userId: m.user.id });
                      reload();
                      return Boolean(data);
                    }}
                  />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
