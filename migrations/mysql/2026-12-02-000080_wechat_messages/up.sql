-- WeChat subscription messages: which notification kinds go out through which template
-- (field mapping included), the grants residents gave per template, the outbox the worker
-- sends from, and the access token all processes share.
CREATE TABLE wechat_templates (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    kind VARCHAR(64) NOT NULL,
    template_id VARCHAR(128) NOT NULL,
    page VARCHAR(255) NOT NULL,
    fields TEXT NOT NULL,
    drop_after VARCHAR(64) NULL,
    updated_at DATETIME(6) NOT NULL,
    UNIQUE KEY ux_wechat_templates_kind (kind),
    KEY ix_wechat_templates_template (template_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE wechat_grants (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    template_id VARCHAR(128) NOT NULL,
    accept_count INT NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    UNIQUE KEY ux_wechat_grants_user_template (user_id, template_id),
    CONSTRAINT fk_wechat_grants_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE wechat_messages (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    kind VARCHAR(64) NOT NULL,
    template_id VARCHAR(128) NOT NULL,
    page VARCHAR(255) NOT NULL,
    data TEXT NOT NULL,
    expires_at DATETIME(6) NULL,
    status VARCHAR(32) NOT NULL,
    grant_spent BOOLEAN NOT NULL,
    attempts INT NOT NULL,
    next_attempt_at DATETIME(6) NOT NULL,
    claimed_by VARCHAR(64) NULL,
    claimed_until DATETIME(6) NULL,
    last_errcode INT NULL,
    last_error VARCHAR(255) NULL,
    sent_at DATETIME(6) NULL,
    created_at DATETIME(6) NOT NULL,
    KEY ix_wechat_messages_due (status, next_attempt_at),
    KEY ix_wechat_messages_user (user_id, created_at),
    CONSTRAINT fk_wechat_messages_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE wechat_access_tokens (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    appid VARCHAR(64) NOT NULL,
    token VARCHAR(1024) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    fetched_at DATETIME(6) NOT NULL,
    UNIQUE KEY ux_wechat_access_tokens_appid (appid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
