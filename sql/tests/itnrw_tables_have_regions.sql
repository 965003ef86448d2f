-- Every loaded table has values with a region key: a table whose regions could not be
-- identified is quarantined instead of showing up empty.
select 'itnrw' as source, table_code as item, count(*) as values_without_key
from raw.itnrw_values
group by table_code
having count(*) filter (where ags is not null) = 0
