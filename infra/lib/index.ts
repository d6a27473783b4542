/**
 * The rekwatch construct library (`rekwatch/cdk` in the published package): the building blocks of
 * the repository's own app, for a CDK app of your own. `RekwatchAlerting` is the hub (rules,
 * evaluate function, alert topic, state, alarms); `SpokeForwarding` forwards one account/region's
 * Rekognition calls to a hub bus; the channel constructs deliver alerts (email/SNS, Slack webhook,
 * AWS Chatbot, mute page). aws-cdk-lib and constructs are the app's own (peer dependencies).
 */
export { RekwatchAlerting, alertingConfig, type RekwatchAlertingProps, type RekwatchAlertingResolved } from './rekwatch-alerting';
export { loadDeployRules, InvalidRulesError, type DeployRules } from './rules';
export { ConfigError, type ChatbotConfig, type DeployConfig, type EmailRoute, type SlackConfig } from '../../functions/adapters/deploy-config';
export { SpokeForwarding, spokeNames, eventBusArn, type SpokeForwardingProps } from '../org/spoke';
export { Alerting, type AlertingProps } from '../constructs/alerting';
export { SlackForwarder, type SlackForwarderProps } from '../constructs/slack-forwarder';
export { ChatbotNotifications, type ChatbotNotificationsProps } from '../constructs/chatbot';
export { MutePage, type MutePageProps } from '../constructs/mute-page';
export type { Severity } from '../../functions/core/common/types';
