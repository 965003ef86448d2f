-- Every town of the register belongs to the configured Kreis (a register of another Kreis must
-- not be mixed into this one's figures). Scoped to the register source.
select 'register' as source, t.ags, t.name
from raw.register_towns as t
where left(t.ags, 5) <> meta.region_ags()
