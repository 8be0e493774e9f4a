-- The language each person speaks (issue #18): fixed for recognition while the profile is
-- active, in place of stt.language; NULL uses the household's.
ALTER TABLE profiles ADD COLUMN language TEXT;
