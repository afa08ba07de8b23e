DELETE FROM dictionary
