-- Every KPI has one of the five states.
select kpi_id, status
from marts.kpi_progress
where status not in ('erreicht', 'auf_kurs', 'zu_langsam', 'entfernt_sich', 'keine_daten')
