-- V004: client_keys loses its index by client. A card's keys are all in the card itself, so an edit frees the keys
-- the stored card names, each by the primary key (PostgresClientStore.UpdateAsync); nothing else looked keys up by
-- client. Without it, every key an import copies is written into one index instead of two: about an eighth of the
-- import's time (docs/benchmarks.md, "The import at 100,000 clients/s").
DROP INDEX client_keys_by_client;
