-- Tables whose column order tests how the server counts columns in the TABLE_MAP optional
-- metadata (SIGNEDNESS; DEFAULT_CHARSET/COLUMN_CHARSET). Run on an empty database `fx` with
-- binlog_format=ROW and binlog_row_metadata=FULL.
CREATE TABLE yr (id INT PRIMARY KEY, y YEAR, x INT, u BIGINT UNSIGNED);
INSERT INTO yr VALUES (1, 2024, -5, 18446744073709551615);
CREATE TABLE ky (y YEAR, k INT PRIMARY KEY, b BIT(3), f FLOAT UNSIGNED, d DOUBLE,
                 dc DECIMAL(5,2) UNSIGNED, t TINYINT, s SMALLINT UNSIGNED, mi MEDIUMINT,
                 bi BIGINT UNSIGNED, yy YEAR, z INT);
INSERT INTO ky VALUES (2000, -3, b'101', 1.5, -2.25, 1.5, -100, 65535, -8000000,
                       18446744073709551615, 2155, -1);
CREATE TABLE g1 (id INT PRIMARY KEY, p POINT, lb LONGBLOB, v VARCHAR(10) CHARACTER SET utf8mb4,
                 t TEXT CHARACTER SET utf8mb3);
INSERT INTO g1 VALUES (1, POINT(1,2), x'0a00ff41', 'é', 'ü');
CREATE TABLE g2 (id INT PRIMARY KEY, bt VARBINARY(20), j JSON, p POINT,
                 t TEXT CHARACTER SET utf8mb3, c CHAR(4) CHARACTER SET latin1, bn BINARY(4));
INSERT INTO g2 VALUES (1, x'00ff', '{"a":[1,2]}', POINT(3,4), 'ñ', 'ça', x'0102');
