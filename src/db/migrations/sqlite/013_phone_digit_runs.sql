-- 13: the search tokenizer indexes every suffix (4 digits or more) of a word
-- of 7 or more digits, so any contiguous run of at least four digits of a
-- stored phone number finds it however it is spaced (issue 15 item 10).
-- The index is tokenised again from its own stored text.
INSERT INTO party_fts(party_fts) VALUES ('rebuild');
