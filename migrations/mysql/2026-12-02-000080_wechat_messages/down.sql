DROP TABLE wechat_access_tokens;
DROP TABLE wechat_messages;
DROP TABLE wechat_grants;
DROP TABLE wechat_templates;
