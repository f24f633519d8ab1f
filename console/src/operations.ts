/** Every GraphQL operation the console sends, typed from schema.graphql by codegen. */
import { graphql } from "./gql/index.js";

export const Me = graphql(`
  query Me {
    me {
      id
      email
      name
      memberships {
        role
        workspace {
          id
          name
        }
      }
    }
  }
`);

export const LogIn = graphql(`
  mutation LogIn($email: String!, $password: String!) {
    logIn(email: $email, password: $password) {
      session {
        token
        expiresAt
      }
    }
  }
`);

export const SignUp = graphql(`
  mutation SignUp($email: String!, $password: String!, $name: String, $workspaceName: String!) {
    signUp(email: $email, password: $password, name: $name, workspaceName: $workspaceName) {
      session {
        token
        expiresAt
      }
    }
  }
`);

export const LogOut = graphql(`
  mutation LogOut {
    logOut
  }
`);

export const Bots = graphql(`
  query Bots($workspaceId: ID!, $search: String, $status: BotStatus, $first: Int, $after: String, $last: Int, $before: String) {
    bots(workspaceId: $workspaceId, search: $search, status: $status, first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
      edges {
        node {
          id
          name
          description
          status
          chunkCount
          updatedAt
          sourceCounts {
            total
            synced
            pending
            processing
            error
          }
        }
      }
    }
  }
`);

export const CreateBot = graphql(`
  mutation CreateBot($input: CreateBotInput!) {
    createBot(input: $input) {
      id
      name
    }
  }
`);
