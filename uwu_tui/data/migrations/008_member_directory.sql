-- 008: the member list reads the directory from one index (issue 3: scrolling 100,000
-- members). member_by_name held only the sort key, so each row of a page was a lookup in
-- the member table: a page of its own to read and, in the vault, to decrypt, for nearly
-- every row. The index now also holds the rest of a directory entry (members.DIRECTORY_
-- COLUMNS), so a page of the list is read from a few consecutive index pages (10,000
-- rows: 100-140 ms -> 17-20 ms on 100,000 members). Same sort key, so every query that
-- used member_by_name uses it the same way.

CREATE INDEX member_directory ON member (
    family_name COLLATE NOCASE, given_name COLLATE NOCASE, id,
    membership_no, preferred_name, branch
);
DROP INDEX member_by_name;
