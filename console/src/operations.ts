/** Every GraphQL operation the console sends, typed from schema.graphql by codegen. */
import { gql, type AnyVariables, type TypedDocumentNode } from "urql";
import { graphql } from "./gql/index.js";
import type { TypedDocumentString } from "./gql/graphql.js";

/**
 * Codegen keeps the console's documents as strings: their parsed ASTs were
 * 110 KB of minified script in the first load (2 KB gzipped, but parsed on
 * every load, phones included). urql takes a parsed document, so each is
 * parsed once here by urql's own small parser, keeping its types.
 */
function typed<Result, Variables extends AnyVariables>(document: TypedDocumentString<Result, Variables>): TypedDocumentNode<Result, Variables> {
  return gql<Result, Variables>(document.toString());
}

export const Me = typed(
  graphql(`
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
`),
);

export const CreateWorkspace = typed(
  graphql(`
  mutation CreateWorkspace($name: String!) {
    createWorkspace(name: $name) {
      id
      name
    }
  }
`),
);

export const RenameWorkspace = typed(
  graphql(`
  mutation RenameWorkspace($id: ID!, $name: String!) {
    renameWorkspace(id: $id, name: $name) {
      id
      name
    }
  }
`),
);

export const LogIn = typed(
  graphql(`
  mutation LogIn($email: String!, $password: String!, $deviceToken: String) {
    logIn(email: $email, password: $password, deviceToken: $deviceToken) {
      session {
        token
        expiresAt
      }
      deviceToken
    }
  }
`),
);

export const SignUp = typed(
  graphql(`
  mutation SignUp($email: String!, $password: String!, $name: String, $workspaceName: String, $invitationToken: String) {
    signUp(email: $email, password: $password, name: $name, workspaceName: $workspaceName, invitationToken: $invitationToken) {
      session {
        token
        expiresAt
      }
      workspace {
        id
      }
      deviceToken
    }
  }
`),
);

export const LogOut = typed(
  graphql(`
  mutation LogOut {
    logOut
  }
`),
);

export const Bots = typed(
  graphql(`
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
          lastActivityAt
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
`),
);

export const CreateBot = typed(
  graphql(`
  mutation CreateBot($input: CreateBotInput!) {
    createBot(input: $input) {
      id
      name
    }
  }
`),
);

/** What the settings form shows and saves; the operations below include it. */
export const BotSettingsFields = typed(
  graphql(`
  fragment BotSettingsFields on Bot {
    isPublic
    allowedDomains
    settings {
      chatModel
      greeting
      temperature
      topK
      minSimilarity
      minSimilarityIsDefault
      handoff
      handoffWaitSeconds
      leadFields
      linkSchedule
      handoffHours {
        timeZone
        days {
          day
          from
          to
        }
      }
      widgetTheme {
        primaryColor
        position
        title
        language
      }
    }
  }
`),
);

export const BotDetail = typed(
  graphql(`
  query BotDetail($id: ID!, $status: SyncStatus, $first: Int, $after: String, $last: Int, $before: String) {
    bot(id: $id) {
      id
      name
      description
      status
      chunkCount
      updatedAt
      ...BotSettingsFields
      sources(status: $status, first: $first, after: $after, last: $last, before: $before) {
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
            kind
            syncStatus
            chunkCount
            lastError
            lastErrorCode
            lastSyncedAt
            sizeBytes
            url
            syncSchedule
            nextSyncAt
          }
        }
      }
    }
  }
`),
);

export const SourceEvents = typed(
  graphql(`
  subscription SourceEvents($botId: ID!) {
    sourceEvents(botId: $botId) {
      sourceId
      status
      error
      chunkCount
      progress {
        step
        done
        total
        unit
      }
    }
  }
`),
);

export const AddTextSource = typed(
  graphql(`
  mutation AddTextSource($botId: ID!, $title: String!, $text: String!) {
    addTextSource(botId: $botId, title: $title, text: $text) {
      id
    }
  }
`),
);

export const SourceSyncs = typed(
  graphql(`
  query SourceSyncs($id: ID!, $after: String) {
    source(id: $id) {
      id
      name
      syncs(first: 10, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            id
            startedAt
            durationMs
            succeeded
            full
            error
            pagesFetched
            pagesUnchanged
            pagesChanged
            pagesAdded
            pagesRemoved
            pagesFailed
            chunksEmbedded
            changes {
              url
              change
              error
              diff {
                kind
                text
              }
            }
          }
        }
      }
    }
  }
`),
);

export const ResyncSource = typed(
  graphql(`
  mutation ResyncSource($id: ID!) {
    resyncSource(id: $id) {
      id
      syncStatus
    }
  }
`),
);

export const DeleteSource = typed(
  graphql(`
  mutation DeleteSource($id: ID!) {
    deleteSource(id: $id)
  }
`),
);

export const ActivateBot = typed(
  graphql(`
  mutation ActivateBot($id: ID!) {
    activateBot(id: $id) {
      id
      status
    }
  }
`),
);

export const ArchiveBot = typed(
  graphql(`
  mutation ArchiveBot($id: ID!) {
    archiveBot(id: $id) {
      id
      status
    }
  }
`),
);

export const DeleteBot = typed(
  graphql(`
  mutation DeleteBot($id: ID!) {
    deleteBot(id: $id)
  }
`),
);

/** Sent by upload.ts as a multipart request (GraphQL multipart spec), for its progress events. */
export const UPLOAD_DOCUMENT = `mutation UploadDocument($botId: ID!, $file: File!) { uploadDocument(botId: $botId, file: $file) { id } }`;
export const REPLACE_DOCUMENT = `mutation ReplaceDocument($id: ID!, $file: File!) { updateSource(id: $id, file: $file) { id } }`;

export const UpdateSource = typed(
  graphql(`
  mutation UpdateSource($id: ID!, $title: String, $text: String, $link: LinkInput) {
    updateSource(id: $id, title: $title, text: $text, link: $link) {
      id
      name
      syncStatus
    }
  }
`),
);

export const UpdateBot = typed(
  graphql(`
  mutation UpdateBot($id: ID!, $input: UpdateBotInput!) {
    updateBot(id: $id, input: $input) {
      id
      name
      description
      ...BotSettingsFields
    }
  }
`),
);

export const ApiKeys = typed(
  graphql(`
  query ApiKeys($botId: ID!) {
    bot(id: $botId) {
      id
      embedCode {
        script
        iframe
      }
      apiKeys(first: 50) {
        totalCount
        edges {
          node {
            id
            name
            prefix
            status
            createdAt
            expiresAt
            lastUsedAt
          }
        }
      }
    }
  }
`),
);

export const PreviewWidget = typed(
  graphql(`
  mutation PreviewWidget($botId: ID!) {
    previewWidget(botId: $botId) {
      path
      expiresAt
    }
  }
`),
);

export const CreateApiKey = typed(
  graphql(`
  mutation CreateApiKey($botId: ID!, $name: String!, $expiresAt: DateTime) {
    createApiKey(botId: $botId, name: $name, expiresAt: $expiresAt) {
      secret
      embedCode {
        script
        iframe
      }
      apiKey {
        id
      }
    }
  }
`),
);

export const RotateApiKey = typed(
  graphql(`
  mutation RotateApiKey($id: ID!) {
    rotateApiKey(id: $id) {
      secret
      embedCode {
        script
        iframe
      }
      apiKey {
        id
      }
    }
  }
`),
);

export const RevokeApiKey = typed(
  graphql(`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      id
      status
    }
  }
`),
);

/** What the console shows of a prompt; the operations below include it. */
export const PromptFields = typed(
  graphql(`
  fragment PromptFields on Prompt {
    id
    type
    name
    text
    isActive
    order
  }
`),
);

export const Prompts = typed(
  graphql(`
  query Prompts($botId: ID!) {
    bot(id: $botId) {
      id
      prompts(first: 100) {
        edges {
          node {
            ...PromptFields
          }
        }
      }
    }
  }
`),
);

export const CreatePrompt = typed(
  graphql(`
  mutation CreatePrompt($botId: ID!, $input: CreatePromptInput!) {
    createPrompt(botId: $botId, input: $input) {
      ...PromptFields
    }
  }
`),
);

export const UpdatePrompt = typed(
  graphql(`
  mutation UpdatePrompt($id: ID!, $input: UpdatePromptInput!) {
    updatePrompt(id: $id, input: $input) {
      ...PromptFields
    }
  }
`),
);

export const ReorderPrompts = typed(
  graphql(`
  mutation ReorderPrompts($botId: ID!, $promptIds: [ID!]!) {
    reorderPrompts(botId: $botId, promptIds: $promptIds) {
      ...PromptFields
    }
  }
`),
);

export const DeletePrompt = typed(
  graphql(`
  mutation DeletePrompt($id: ID!) {
    deletePrompt(id: $id)
  }
`),
);

export const AddLinkSource = typed(
  graphql(`
  mutation AddLinkSource($botId: ID!, $link: LinkInput!) {
    addLinkSource(botId: $botId, link: $link) {
      id
    }
  }
`),
);

export const Chat = typed(
  graphql(`
  subscription Chat($botId: ID!, $message: String!, $sessionId: String) {
    chat(botId: $botId, message: $message, sessionId: $sessionId) {
      __typename
      ... on ChatStarted {
        sessionId
      }
      ... on ChatToken {
        text
      }
      ... on ChatCompleted {
        sessionId
        message {
          id
          content
          latencyMs
          model
          corrected
        }
        sources {
          id
          name
          page
          section
          url
          score
          snippet
        }
      }
      ... on ChatFailed {
        code
        error
      }
    }
  }
`),
);

export const Members = typed(
  graphql(`
  query Members($workspaceId: ID!) {
    workspace(id: $workspaceId) {
      id
      invitations(first: 100) {
        edges {
          node {
            id
            email
            role
            expiresAt
          }
        }
      }
      members(first: 100) {
        totalCount
        edges {
          node {
            id
            role
            createdAt
            user {
              id
              email
              name
            }
          }
        }
      }
    }
  }
`),
);

export const InviteMember = typed(
  graphql(`
  mutation InviteMember($workspaceId: ID!, $email: String!, $role: Role!) {
    inviteMember(workspaceId: $workspaceId, email: $email, role: $role) {
      link
      emailed
      invitation {
        id
        email
        role
        expiresAt
      }
    }
  }
`),
);

export const RevokeInvitation = typed(
  graphql(`
  mutation RevokeInvitation($id: ID!) {
    revokeInvitation(id: $id) {
      id
    }
  }
`),
);

export const InvitationPreview = typed(
  graphql(`
  query InvitationPreview($token: String!) {
    invitation(token: $token) {
      workspaceName
      email
      role
      expiresAt
    }
  }
`),
);

export const AcceptInvitation = typed(
  graphql(`
  mutation AcceptInvitation($token: String!) {
    acceptInvitation(token: $token) {
      id
      role
      workspace {
        id
        name
      }
    }
  }
`),
);

export const ChangeMemberRole = typed(
  graphql(`
  mutation ChangeMemberRole($workspaceId: ID!, $userId: ID!, $role: Role!) {
    changeMemberRole(workspaceId: $workspaceId, userId: $userId, role: $role) {
      id
      role
    }
  }
`),
);

export const RemoveMember = typed(
  graphql(`
  mutation RemoveMember($workspaceId: ID!, $userId: ID!) {
    removeMember(workspaceId: $workspaceId, userId: $userId)
  }
`),
);

export const Conversations = typed(
  graphql(`
  query Conversations($botId: ID!, $filter: ConversationFilter, $first: Int, $after: String, $last: Int, $before: String) {
    bot(id: $botId) {
      id
      sessions(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
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
            firstQuestion
            handedOff
            lastActivityAt
            messageCount
            downRatedCount
            unansweredCount
            apiKey {
              id
              name
            }
          }
        }
      }
    }
  }
`),
);

export const Conversation = typed(
  graphql(`
  query Conversation($botId: ID!, $id: ID!) {
    bot(id: $botId) {
      id
      session(id: $id) {
        id
        createdAt
        apiKey {
          id
          name
        }
        messages(first: 50) {
          totalCount
          edges {
            node {
              id
              role
              authorName
              content
              model
              latencyMs
              errorCode
              feedback
              corrected
              createdAt
              sources {
                id
                name
                page
                section
                url
                score
                snippet
              }
            }
          }
        }
      }
    }
  }
`),
);

export const Usage = typed(
  graphql(`
  query Usage($botId: ID!, $from: DateTime!, $to: DateTime!, $interval: UsageInterval!, $apiKeyId: ID) {
    bot(id: $botId) {
      id
      usage(from: $from, to: $to, interval: $interval, apiKeyId: $apiKeyId) {
        start
        calls
        errors
        p50Ms
        p95Ms
        tokens
        conversations
        handedOff
      }
      apiKeys(first: 50) {
        edges {
          node {
            id
            name
            status
          }
        }
      }
    }
  }
`),
);

export const CorrectionFields = typed(
  graphql(`
  fragment CorrectionFields on Correction {
    id
    question
    phrasings
    answer
    isActive
    hitCount
    lastHitAt
    updatedAt
  }
`),
);

export const Corrections = typed(
  graphql(`
  query Corrections($botId: ID!, $search: String, $active: Boolean, $first: Int, $after: String, $last: Int, $before: String) {
    bot(id: $botId) {
      id
      corrections(search: $search, active: $active, first: $first, after: $after, last: $last, before: $before) {
        totalCount
        pageInfo {
          hasNextPage
          hasPreviousPage
          startCursor
          endCursor
        }
        edges {
          node {
            ...CorrectionFields
          }
        }
      }
    }
  }
`),
);

export const CreateCorrection = typed(
  graphql(`
  mutation CreateCorrection($botId: ID!, $input: CorrectionInput!) {
    createCorrection(botId: $botId, input: $input) {
      ...CorrectionFields
    }
  }
`),
);

export const UpdateCorrection = typed(
  graphql(`
  mutation UpdateCorrection($id: ID!, $input: CorrectionInput!) {
    updateCorrection(id: $id, input: $input) {
      ...CorrectionFields
    }
  }
`),
);

export const DeleteCorrection = typed(
  graphql(`
  mutation DeleteCorrection($id: ID!) {
    deleteCorrection(id: $id)
  }
`),
);

export const ImportCorrections = typed(
  graphql(`
  mutation ImportCorrections($botId: ID!, $csv: String!) {
    importCorrections(botId: $botId, csv: $csv) {
      id
    }
  }
`),
);

export const CorrectionsCsv = typed(
  graphql(`
  query CorrectionsCsv($botId: ID!) {
    bot(id: $botId) {
      id
      correctionsCsv
    }
  }
`),
);

export const Gaps = typed(
  graphql(`
  query Gaps($botId: ID!, $dismissed: Boolean, $first: Int, $after: String, $last: Int, $before: String) {
    bot(id: $botId) {
      id
      gaps(dismissed: $dismissed, first: $first, after: $after, last: $last, before: $before) {
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
            question
            questionCount
            firstAskedAt
            lastAskedAt
            questions(first: 20) {
              totalCount
              edges {
                node {
                  id
                  text
                }
              }
            }
          }
        }
      }
    }
  }
`),
);

export const DismissGap = typed(
  graphql(`
  mutation DismissGap($id: ID!, $dismissed: Boolean) {
    dismissGap(id: $id, dismissed: $dismissed) {
      id
      dismissedAt
    }
  }
`),
);

export const GapQuestions = typed(
  graphql(`
  query GapQuestions($botId: ID!, $id: ID!) {
    bot(id: $botId) {
      id
      gap(id: $id) {
        id
        questions(first: 20) {
          edges {
            node {
              id
              text
              reason
              askedAt
              passages {
                id
                name
                page
                section
                url
                score
                snippet
              }
            }
          }
        }
      }
    }
  }
`),
);

export const Checks = typed(
  graphql(`
  query Checks($botId: ID!) {
    bot(id: $botId) {
      id
      checks(first: 100) {
        totalCount
        edges {
          node {
            id
            kind
            question
            mustContain
            correction {
              id
              isActive
            }
            lastResult {
              id
              passed
              regression
              answer
              corrected
            }
          }
        }
      }
      checkRuns(first: 1) {
        edges {
          node {
            id
            status
            trigger
            total
            passed
            failed
            regressions
            fixed
            startedAt
            finishedAt
            results(changed: true, first: 50) {
              edges {
                node {
                  id
                  passed
                  regression
                  fixed
                  answer
                  check {
                    id
                    question
                  }
                }
              }
            }
          }
        }
      }
    }
  }
`),
);

export const CreateCheck = typed(
  graphql(`
  mutation CreateCheck($botId: ID!, $input: CheckInput!) {
    createCheck(botId: $botId, input: $input) {
      id
    }
  }
`),
);

export const UpdateCheck = typed(
  graphql(`
  mutation UpdateCheck($id: ID!, $input: CheckInput!) {
    updateCheck(id: $id, input: $input) {
      id
      question
      mustContain
      kind
    }
  }
`),
);

export const DeleteCheck = typed(
  graphql(`
  mutation DeleteCheck($id: ID!) {
    deleteCheck(id: $id)
  }
`),
);

export const RunChecks = typed(
  graphql(`
  mutation RunChecks($botId: ID!) {
    runChecks(botId: $botId) {
      id
      status
    }
  }
`),
);

export const HandoffInbox = typed(
  graphql(`
  query HandoffInbox($botId: ID!) {
    bot(id: $botId) {
      id
      settings {
        handoff
      }
      operatorsOnline
      operators {
        id
        name
        email
        presence
      }
      waiting: handoffConversations(state: WAITING, first: 100) {
        totalCount
        edges {
          node {
            id
            firstQuestion
            handoffRequestedAt
          }
        }
      }
      held: handoffConversations(state: PERSON, first: 100) {
        totalCount
        edges {
          node {
            id
            firstQuestion
            lastActivityAt
            operator {
              id
              name
              email
            }
          }
        }
      }
    }
  }
`),
);

export const HandoffEvents = typed(
  graphql(`
  subscription HandoffEvents($botId: ID!) {
    handoffEvents(botId: $botId) {
      __typename
      ... on HandoffQueued {
        conversationId
      }
      ... on HandoffJoined {
        conversationId
        operatorId
      }
      ... on HandoffLeft {
        conversationId
        reason
      }
      ... on HandoffTyping {
        conversationId
        by
      }
      ... on HandoffMessage {
        conversationId
        message {
          ...LiveMessage
        }
      }
    }
  }
`),
);

export const LiveMessageFields = typed(
  graphql(`
  fragment LiveMessage on Message {
    id
    role
    content
    authorName
    createdAt
    errorCode
    sources {
      id
      name
      page
      section
      url
      score
      snippet
    }
  }
`),
);

export const LiveConversation = typed(
  graphql(`
  query LiveConversation($botId: ID!, $id: ID!) {
    bot(id: $botId) {
      id
      session(id: $id) {
        id
        handoffState
        createdAt
        operator {
          id
          name
          email
        }
        messages(last: 50) {
          edges {
            node {
              ...LiveMessage
            }
          }
        }
      }
    }
  }
`),
);

export const SetPresence = typed(
  graphql(`
  mutation SetPresence($presence: Presence!) {
    setPresence(presence: $presence) {
      presence
    }
  }
`),
);

export const SetBotOperators = typed(
  graphql(`
  mutation SetBotOperators($botId: ID!, $userIds: [ID!]!) {
    setBotOperators(botId: $botId, userIds: $userIds) {
      id
      operators {
        id
        name
        email
        presence
      }
    }
  }
`),
);

export const ClaimConversation = typed(
  graphql(`
  mutation ClaimConversation($id: ID!) {
    claimConversation(id: $id) {
      id
      handoffState
    }
  }
`),
);

export const ReplyToConversation = typed(
  graphql(`
  mutation ReplyToConversation($id: ID!, $message: String!) {
    replyToConversation(id: $id, message: $message) {
      ...LiveMessage
    }
  }
`),
);

export const OperatorTyping = typed(
  graphql(`
  mutation OperatorTyping($id: ID!) {
    operatorTyping(id: $id)
  }
`),
);

export const TransferConversation = typed(
  graphql(`
  mutation TransferConversation($id: ID!, $toUserId: ID!) {
    transferConversation(id: $id, toUserId: $toUserId) {
      id
      handoffState
    }
  }
`),
);

export const HandBackConversation = typed(
  graphql(`
  mutation HandBackConversation($id: ID!) {
    handBackConversation(id: $id) {
      id
      handoffState
    }
  }
`),
);

export const CloseConversation = typed(
  graphql(`
  mutation CloseConversation($id: ID!) {
    closeConversation(id: $id) {
      id
      handoffState
    }
  }
`),
);

export const Leads = typed(
  graphql(`
  query Leads($botId: ID!, $first: Int, $after: String, $last: Int, $before: String) {
    bot(id: $botId) {
      id
      leads(first: $first, after: $after, last: $last, before: $before) {
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
            email
            phone
            message
            createdAt
          }
        }
      }
    }
  }
`),
);

export const LeadsCsv = typed(
  graphql(`
  query LeadsCsv($botId: ID!) {
    bot(id: $botId) {
      id
      leadsCsv
    }
  }
`),
);

export const WebhookFields = typed(
  graphql(`
  fragment WebhookFields on WebhookEndpoint {
    id
    url
    description
    events
    enabled
    disabledReason
    failingSince
    createdAt
  }
`),
);

export const Webhooks = typed(
  graphql(`
  query Webhooks($workspaceId: ID!) {
    workspace(id: $workspaceId) {
      id
      webhooks {
        ...WebhookFields
      }
    }
  }
`),
);

export const WebhookDeliveries = typed(
  graphql(`
  query WebhookDeliveries($workspaceId: ID!) {
    workspace(id: $workspaceId) {
      id
      webhooks {
        id
        deliveries(first: 20) {
          totalCount
          edges {
            node {
              id
              eventType
              status
              attempts
              responseStatus
              lastError
              durationMs
              nextAttemptAt
              createdAt
            }
          }
        }
      }
    }
  }
`),
);

export const CreateWebhook = typed(
  graphql(`
  mutation CreateWebhook($workspaceId: ID!, $input: WebhookInput!) {
    createWebhook(workspaceId: $workspaceId, input: $input) {
      secret
      webhook {
        ...WebhookFields
      }
    }
  }
`),
);

export const UpdateWebhook = typed(
  graphql(`
  mutation UpdateWebhook($id: ID!, $input: WebhookInput!) {
    updateWebhook(id: $id, input: $input) {
      ...WebhookFields
    }
  }
`),
);

export const RotateWebhookSecret = typed(
  graphql(`
  mutation RotateWebhookSecret($id: ID!) {
    rotateWebhookSecret(id: $id) {
      secret
      webhook {
        id
      }
    }
  }
`),
);

export const DeleteWebhook = typed(
  graphql(`
  mutation DeleteWebhook($id: ID!) {
    deleteWebhook(id: $id) {
      id
    }
  }
`),
);

export const TestWebhook = typed(
  graphql(`
  mutation TestWebhook($id: ID!) {
    testWebhook(id: $id) {
      id
    }
  }
`),
);

export const RedeliverWebhook = typed(
  graphql(`
  mutation RedeliverWebhook($deliveryId: ID!) {
    redeliverWebhook(deliveryId: $deliveryId) {
      id
    }
  }
`),
);
