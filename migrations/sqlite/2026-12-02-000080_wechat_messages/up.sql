-- WeChat subscription messages: which notification kinds go out through which template
-- (field mapping included), the grants residents gave per template, the outbox the worker
-- sends from, and the access token all processes share.
CREATE TABLE wechat_templates (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL UNIQUE,
    template_id TEXT NOT NULL,
    page TEXT NOT NULL,
    fields TEXT NOT NULL,
    drop_after TEXT,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX ix_wechat_templates_template ON wechat_templates (template_id);

CREATE TABLE wechat_grants (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL,
    template_id TEXT NOT NULL,
    accept_count INT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, template_id),
    FOREIGN KEY (user_id) REFERENCES users (id)
);

CREATE TABLE wechat_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    template_id TEXT NOT NULL,
    page TEXT NOT NULL,
    data TEXT NOT NULL,
    expires_at TIMESTAMP,
    status TEXT NOT NULL,
    grant_spent BOOLEAN NOT NULL,
    attempts INT NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_by TEXT,
    claimed_until TIMESTAMP,
    last_errcode INT,
    last_error TEXT,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id)
);
CREATE INDEX ix_wechat_messages_due ON wechat_messages (status, next_attempt_at);
CREATE INDEX ix_wechat_messages_user ON wechat_messages (user_id, created_at);

CREATE TABLE wechat_access_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    appid TEXT NOT NULL UNIQUE,
    token TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    fetched_at TIMESTAMP NOT NULL
);
