-- Region keys are 2, 3, 5 or 8 digits and have a known level.
select ags, level
from marts.regions
where not regexp_full_match(ags, '\d{2}|\d{3}|\d{5}|\d{8}') or level is null
