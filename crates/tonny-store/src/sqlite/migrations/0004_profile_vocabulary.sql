-- Each person's own vocabulary and replacements (issue #18), JSON arrays of strings like
-- allowed_commands; the household's lists are settings (stt.vocabulary, stt.replacements).
ALTER TABLE profiles ADD COLUMN vocabulary TEXT NOT NULL DEFAULT '[]';
ALTER TABLE profiles ADD COLUMN replacements TEXT NOT NULL DEFAULT '[]';
