-- Every region below the Land hangs under a region that exists.
select child.ags, child.parent_ags
from marts.regions as child
left join marts.regions as parent on parent.ags = child.parent_ags
where child.level <> 'land' and parent.ags is null
