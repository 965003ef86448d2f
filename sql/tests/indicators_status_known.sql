-- Every catalogue entry has a status, and a usable one has values.
select indicator_id, status, value_count
from marts.indicators
where status is null
    or status not in ('ok', 'tabelle_fehlt', 'keine_werte', 'mehrdeutig', 'grundwerte_fehlen')
    or (status = 'ok') <> (value_count > 0)
