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

export const CreateWorkspace = graphql(`
  mutation CreateWorkspace($name: String!) {
    createWorkspace(name: $name) {
      id
      name
    }
  }
`);

export const RenameWorkspace = graphql(`
  mutation RenameWorkspace($id: ID!, $name: String!) {
    renameWorkspace(id: $id, name: $name) {
      id
      name
    }
  }
`);

export const LogIn = graphql(`
  mutation LogIn($email: String!, $password: String!, $deviceToken: String) {
    logIn(email: $email, password: $password, deviceToken: $deviceToken) {
      session {
        token
        expiresAt
      }
      deviceToken
    }
  }
`);

export const SignUp = graphql(`
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
`);

export const CreateBot = graphql(`
  mutation CreateBot($input: CreateBotInput!) {
    createBot(input: $input) {
      id
      name
    }
  }
`);

/** What the settings form shows and saves; the operations below include it. */
export const BotSettingsFields = graphql(`
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
`);

export const BotDetail = graphql(`
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
`);

export const SourceEvents = graphql(`
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
`);

export const AddTextSource = graphql(`
  mutation AddTextSource($botId: ID!, $title: String!, $text: String!) {
    addTextSource(botId: $botId, title: $title, text: $text) {
      id
    }
  }
`);

export const SourceSyncs = graphql(`
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
`);

export const ResyncSource = graphql(`
  mutation ResyncSource($id: ID!) {
    resyncSource(id: $id) {
      id
      syncStatus
    }
  }
`);

export const DeleteSource = graphql(`
  mutation DeleteSource($id: ID!) {
    deleteSource(id: $id)
  }
`);

export const ActivateBot = graphql(`
  mutation ActivateBot($id: ID!) {
    activateBot(id: $id) {
      id
      status
    }
  }
`);

export const ArchiveBot = graphql(`
  mutation ArchiveBot($id: ID!) {
    archiveBot(id: $id) {
      id
      status
    }
  }
`);

export const DeleteBot = graphql(`
  mutation DeleteBot($id: ID!) {
    deleteBot(id: $id)
  }
`);

/** Sent by upload.ts as a multipart request (GraphQL multipart spec), for its progress events. */
export const UPLOAD_DOCUMENT = `mutation UploadDocument($botId: ID!, $file: File!) { uploadDocument(botId: $botId, file: $file) { id } }`;
export const REPLACE_DOCUMENT = `mutation ReplaceDocument($id: ID!, $file: File!) { updateSource(id: $id, file: $file) { id } }`;

export const UpdateSource = graphql(`
  mutation UpdateSource($id: ID!, $title: String, $text: String, $link: LinkInput) {
    updateSource(id: $id, title: $title, text: $text, link: $link) {
      id
      name
      syncStatus
    }
  }
`);

export const UpdateBot = graphql(`
  mutation UpdateBot($id: ID!, $input: UpdateBotInput!) {
    updateBot(id: $id, input: $input) {
      id
      name
      description
      ...BotSettingsFields
    }
  }
`);

export const ApiKeys = graphql(`
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
`);

export const PreviewWidget = graphql(`
  mutation PreviewWidget($botId: ID!) {
    previewWidget(botId: $botId) {
      path
      expiresAt
    }
  }
`);

export const CreateApiKey = graphql(`
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
`);

export const RotateApiKey = graphql(`
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
`);

export const RevokeApiKey = graphql(`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      id
      status
    }
  }
`);

/** What the console shows of a prompt; the operations below include it. */
export const PromptFields = graphql(`
  fragment PromptFields on Prompt {
    id
    type
    name
    text
    isActive
    order
  }
`);

export const Prompts = graphql(`
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
`);

export const CreatePrompt = graphql(`
  mutation CreatePrompt($botId: ID!, $input: CreatePromptInput!) {
    createPrompt(botId: $botId, input: $input) {
      ...PromptFields
    }
  }
`);

export const UpdatePrompt = graphql(`
  mutation UpdatePrompt($id: ID!, $input: UpdatePromptInput!) {
    updatePrompt(id: $id, input: $input) {
      ...PromptFields
    }
  }
`);

export const ReorderPrompts = graphql(`
  mutation ReorderPrompts($botId: ID!, $promptIds: [ID!]!) {
    reorderPrompts(botId: $botId, promptIds: $promptIds) {
      ...PromptFields
    }
  }
`);

export const DeletePrompt = graphql(`
  mutation DeletePrompt($id: ID!) {
    deletePrompt(id: $id)
  }
`);

export const AddLinkSource = graphql(`
  mutation AddLinkSource($botId: ID!, $link: LinkInput!) {
    addLinkSource(botId: $botId, link: $link) {
      id
    }
  }
`);

export const Chat = graphql(`
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
`);

export const Members = graphql(`
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
`);

export const InviteMember = graphql(`
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
`);

export const RevokeInvitation = graphql(`
  mutation RevokeInvitation($id: ID!) {
    revokeInvitation(id: $id) {
      id
    }
  }
`);

export const InvitationPreview = graphql(`
  query InvitationPreview($token: String!) {
    invitation(token: $token) {
      workspaceName
      email
      role
      expiresAt
    }
  }
`);

export const AcceptInvitation = graphql(`
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
`);

export const ChangeMemberRole = graphql(`
  mutation ChangeMemberRole($workspaceId: ID!, $userId: ID!, $role: Role!) {
    changeMemberRole(workspaceId: $workspaceId, userId: $userId, role: $role) {
      id
      role
    }
  }
`);

export const RemoveMember = graphql(`
  mutation RemoveMember($workspaceId: ID!, $userId: ID!) {
    removeMember(workspaceId: $workspaceId, userId: $userId)
  }
`);

export const Conversations = graphql(`
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
`);

export const Conversation = graphql(`
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
`);

export const Usage = graphql(`
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
`);

export const CorrectionFields = graphql(`
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
`);

export const Corrections = graphql(`
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
`);

export const CreateCorrection = graphql(`
  mutation CreateCorrection($botId: ID!, $input: CorrectionInput!) {
    createCorrection(botId: $botId, input: $input) {
      ...CorrectionFields
    }
  }
`);

export const UpdateCorrection = graphql(`
  mutation UpdateCorrection($id: ID!, $input: CorrectionInput!) {
    updateCorrection(id: $id, input: $input) {
      ...CorrectionFields
    }
  }
`);

export const DeleteCorrection = graphql(`
  mutation DeleteCorrection($id: ID!) {
    deleteCorrection(id: $id)
  }
`);

export const ImportCorrections = graphql(`
  mutation ImportCorrections($botId: ID!, $csv: String!) {
    importCorrections(botId: $botId, csv: $csv) {
      id
    }
  }
`);

export const CorrectionsCsv = graphql(`
  query CorrectionsCsv($botId: ID!) {
    bot(id: $botId) {
      id
      correctionsCsv
    }
  }
`);

export const Gaps = graphql(`
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
`);

export const DismissGap = graphql(`
  mutation DismissGap($id: ID!, $dismissed: Boolean) {
    dismissGap(id: $id, dismissed: $dismissed) {
      id
      dismissedAt
    }
  }
`);

export const GapQuestions = graphql(`
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
`);

export const Checks = graphql(`
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
`);

export const CreateCheck = graphql(`
  mutation CreateCheck($botId: ID!, $input: CheckInput!) {
    createCheck(botId: $botId, input: $input) {
      id
    }
  }
`);

export const UpdateCheck = graphql(`
  mutation UpdateCheck($id: ID!, $input: CheckInput!) {
    updateCheck(id: $id, input: $input) {
      id
      question
      mustContain
      kind
    }
  }
`);

export const DeleteCheck = graphql(`
  mutation DeleteCheck($id: ID!) {
    deleteCheck(id: $id)
  }
`);

export const RunChecks = graphql(`
  mutation RunChecks($botId: ID!) {
    runChecks(botId: $botId) {
      id
      status
    }
  }
`);

export const HandoffInbox = graphql(`
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
`);

export const HandoffEvents = graphql(`
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
`);

export const LiveMessageFields = graphql(`
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
`);

export const LiveConversation = graphql(`
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
`);

export const SetPresence = graphql(`
  mutation SetPresence($presence: Presence!) {
    setPresence(presence: $presence) {
      presence
    }
  }
`);

export const SetBotOperators = graphql(`
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
`);

export const ClaimConversation = graphql(`
  mutation ClaimConversation($id: ID!) {
    claimConversation(id: $id) {
      id
      handoffState
    }
  }
`);

export const ReplyToConversation = graphql(`
  mutation ReplyToConversation($id: ID!, $message: String!) {
    replyToConversation(id: $id, message: $message) {
      ...LiveMessage
    }
  }
`);

export const OperatorTyping = graphql(`
  mutation OperatorTyping($id: ID!) {
    operatorTyping(id: $id)
  }
`);

export const TransferConversation = graphql(`
  mutation TransferConversation($id: ID!, $toUserId: ID!) {
    transferConversation(id: $id, toUserId: $toUserId) {
      id
      handoffState
    }
  }
`);

export const HandBackConversation = graphql(`
  mutation HandBackConversation($id: ID!) {
    handBackConversation(id: $id) {
      id
      handoffState
    }
  }
`);

export const CloseConversation = graphql(`
  mutation CloseConversation($id: ID!) {
    closeConversation(id: $id) {
      id
      handoffState
    }
  }
`);

export const Leads = graphql(`
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
`);

export const LeadsCsv = graphql(`
  query LeadsCsv($botId: ID!) {
    bot(id: $botId) {
      id
      leadsCsv
    }
  }
`);

export const WebhookFields = graphql(`
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
`);

export const Webhooks = graphql(`
  query Webhooks($workspaceId: ID!) {
    workspace(id: $workspaceId) {
      id
      webhooks {
        ...WebhookFields
      }
    }
  }
`);

export const WebhookDeliveries = graphql(`
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
`);

export const CreateWebhook = graphql(`
  mutation CreateWebhook($workspaceId: ID!, $input: WebhookInput!) {
    createWebhook(workspaceId: $workspaceId, input: $input) {
      secret
      webhook {
        ...WebhookFields
      }
    }
  }
`);

export const UpdateWebhook = graphql(`
  mutation UpdateWebhook($id: ID!, $input: WebhookInput!) {
    updateWebhook(id: $id, input: $input) {
      ...WebhookFields
    }
  }
`);

export const RotateWebhookSecret = graphql(`
  mutation RotateWebhookSecret($id: ID!) {
    rotateWebhookSecret(id: $id) {
      secret
      webhook {
        id
      }
    }
  }
`);

export const DeleteWebhook = graphql(`
  mutation DeleteWebhook($id: ID!) {
    deleteWebhook(id: $id) {
      id
    }
  }
`);

export const TestWebhook = graphql(`
  mutation TestWebhook($id: ID!) {
    testWebhook(id: $id) {
      id
    }
  }
`);

export const RedeliverWebhook = graphql(`
  mutation RedeliverWebhook($deliveryId: ID!) {
    redeliverWebhook(deliveryId: $deliveryId) {
      id
    }
  }
`);
