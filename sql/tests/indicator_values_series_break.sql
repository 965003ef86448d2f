-- Values of indicators based on population carry the Zensus base they belong to.
select v.indicator_id, v.ags, v.period
from marts.indicator_values as v
inner join raw.indicator_catalogue as c using (indicator_id)
where c.series_break_rule is not null and v.series_break is null
